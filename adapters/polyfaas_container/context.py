"""The ``Context`` of a call to a container: the Knative runtime contract's variables,
the cgroup memory limit and the request's trace headers (ASSUMPTIONS.md § "Context").
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path

from polyfaas import Context, Headers
from polyfaas.runtime import new_id

PROVIDER = "container"
#: cgroup v2, then v1: the container's memory limit in bytes ("max": none).
CGROUP_MEMORY_FILES = (
    Path("/sys/fs/cgroup/memory.max"),
    Path("/sys/fs/cgroup/memory/memory.limit_in_bytes"),
)
#: cgroup v1 writes "no limit" as a huge number (the page-rounded maximum of a long).
_V1_UNLIMITED = 1 << 60


class ContainerInstance:
    """``Context.native``: what the platform tells the container about itself."""

    __slots__ = ("configuration", "revision", "service")

    def __init__(self, service: str, revision: str, configuration: str) -> None:
        #: ``K_SERVICE``, ``K_REVISION``, ``K_CONFIGURATION`` (empty when unset).
        self.service = service
        self.revision = revision
        self.configuration = configuration

    def __repr__(self) -> str:
        return (
            f"ContainerInstance(service={self.service!r}, revision={self.revision!r}, "
            f"configuration={self.configuration!r})"
        )

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> ContainerInstance:
        get = environ.get
        return cls(get("K_SERVICE", ""), get("K_REVISION", ""), get("K_CONFIGURATION", ""))


def memory_limit_mb(files: tuple[Path, ...] = CGROUP_MEMORY_FILES) -> int | None:
    """The container's memory limit in MB from the first cgroup file there is;
    ``None`` when it is unlimited ("max"), unreadable or not a number."""
    for path in files:
        try:
            text = path.read_text(encoding="ascii").strip()
        except (OSError, UnicodeDecodeError):
            continue
        if text == "max" or not text.isdigit():
            return None
        limit = int(text)
        return None if limit >= _V1_UNLIMITED or limit == 0 else limit // (1024 * 1024)
    return None


def request_id(headers: Headers) -> str:
    """The trace id of ``traceparent`` (W3C), else ``X-Request-Id``, else the trace id
    of ``X-Cloud-Trace-Context`` (``TRACE/SPAN;o=1``), else a new UUID4."""
    parent = headers.get("traceparent")
    if parent:
        parts = parent.strip().split("-")
        if len(parts) >= 4 and len(parts[1]) == 32 and parts[1].strip("0"):
            return parts[1]
    explicit = headers.get("x-request-id")
    if explicit and explicit.strip():
        return explicit.strip()
    cloud = headers.get("x-cloud-trace-context")
    if cloud:
        trace = cloud.partition("/")[0].partition(";")[0].strip()
        if trace:
            return trace
    return new_id()


def make_context(
    headers: Headers,
    instance: ContainerInstance,
    memory_mb: int | None,
    timeout: float | None = None,
) -> Context:
    """The ``Context`` of one call (a deadline only with ``--timeout``)."""
    return Context(
        provider=PROVIDER,
        request_id=request_id(headers),
        function_name=instance.service,
        function_version=instance.revision,
        memory_limit_mb=memory_mb,
        deadline=None if timeout is None else time.time() + timeout,
        native=instance,
    )
