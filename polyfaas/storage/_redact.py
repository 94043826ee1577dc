"""Keeping a store's credentials out of its SDK's log lines.

SDKs log what they send at ``DEBUG`` (oss2 its string to sign, with the STS token;
botocore its request headers, with the session or IAM token). A backend hands its
secrets to ``hide_in_logs`` with its SDK's logger names; every record of those loggers
then has each secret replaced by ``***`` before any handler sees it.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

MASK = "***"
#: Secrets shorter than this are not looked for (they would mask ordinary words).
MIN_SECRET = 8


def _make_redactor() -> Any:
    # Made on first use: ``logging`` costs a cold start ~10 ms, and only a store's
    # backend (whose SDK imports it anyway) needs it.
    import logging

    class Redactor(logging.Filter):
        def __init__(self) -> None:
            super().__init__()
            self.secrets: set[str] = set()

        def filter(self, record: logging.LogRecord) -> bool:
            if self.secrets:
                try:
                    text = record.getMessage()
                except Exception:  # a broken record stays the logging module's to report
                    return True
                hidden = text
                for secret in self.secrets:
                    hidden = hidden.replace(secret, MASK)
                if hidden != text:
                    record.msg, record.args = hidden, None
            return True

    return Redactor()


_redactor: list[Any] = []


def hide_in_logs(secrets: Iterable[str | None], *prefixes: str) -> None:
    """Mask ``secrets`` in every record of the loggers named ``prefixes`` (and their
    children that exist now: an SDK makes its loggers when its modules load)."""
    import logging

    if not _redactor:
        _redactor.append(_make_redactor())
    redactor = _redactor[0]
    redactor.secrets.update(s for s in secrets if s and len(s) >= MIN_SECRET)
    for name in list(logging.root.manager.loggerDict):
        if name in prefixes or name.startswith(tuple(f"{p}." for p in prefixes)):
            logger = logging.getLogger(name)
            if redactor not in logger.filters:
                logger.addFilter(redactor)
