"""The user's code folder, as it goes into the package (``ignore`` decides what stays out)."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

from polyfaas.errors import PolyfaasError
from polyfaas.package.archive import Source
from polyfaas.package.ignore import IGNORE_FILE, IgnoreRules, default_rules


def read_rules(folder: Path) -> IgnoreRules:
    """The default rules, then those of the folder's ``.polyfaasignore`` if it has one."""
    path = folder / IGNORE_FILE
    try:
        own = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    except (OSError, UnicodeDecodeError) as exc:
        raise PolyfaasError(f"cannot read {path}: {exc}") from None
    return default_rules(own)


def collect_code(folder: Path, leave_out: Iterable[Path] = ()) -> dict[str, Source]:
    """The files of ``folder`` the package takes, by their path in the zip; the
    folders of ``leave_out`` (the output folder, when it is inside) are never taken."""
    rules = read_rules(folder)
    skipped = {path.resolve() for path in leave_out}
    found: dict[str, Source] = {}
    for root, dirs, files in os.walk(folder):
        base = Path(root)
        relative = base.relative_to(folder).as_posix()
        prefix = "" if relative == "." else relative + "/"
        dirs[:] = sorted(
            name
            for name in dirs
            if not rules.ignored(prefix + name, folder=True)
            and (base / name).resolve() not in skipped
        )
        for name in sorted(files):
            path = base / name
            if rules.ignored(prefix + name, folder=False) or not path.is_file():
                continue
            found[prefix + name] = Source.of_file(path)
    return found
