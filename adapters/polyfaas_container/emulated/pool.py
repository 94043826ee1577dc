"""The runner's instance of a container: the function's own server, as the platform
starts it.

``ServerPool`` is the kit's ``ServerProcessPool`` (an ``InstancePool``) with the
container's contract: it starts the image's command — ``polyfaas serve --provider
container`` for a Python TARGET, or the one given with ``--bootstrap`` (any language)
— with ``PORT`` set to a free port (in its own process group), waits up to 120 s for
the port to accept connections (the server opens it once its init ran, as the
platform's readiness probe waits), and sends each call's request over kept-alive
connections. An answer the server sends chunked comes back as it is written. A call
that outlives its timeout stops the server (the platform answers 504 and replaces the
instance), as does a server that exits; the next call starts a new one. Stopping is
the platform's: SIGTERM, the server's grace period, then SIGKILL.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from polyfaas.platform import (
    FunctionConfig,
    NativeCall,
    ServerKind,
    ServerProcess,
    ServerProcessPool,
    override,
    process_environ,
)
from polyfaas_container.emulated.messages import ServedAnswer

if TYPE_CHECKING:
    from polyfaas.runtime import Target

#: The container as the runner starts it; its grace: the server's own (``--grace``,
#: 10 s) and a little more.
CONTAINER = ServerKind(
    what="the container", port_variable="PORT", error_type="ContainerNotStarted", grace_s=12.0
)


class ServerPool(ServerProcessPool):
    """One container server at a time, started on demand."""

    def __init__(self, command: list[str], target: Target, environ: Mapping[str, str]) -> None:
        # HOST: the contract's server listens on every address; the runner's on loopback.
        environ = process_environ({**environ, "HOST": "127.0.0.1"})
        super().__init__(command, str(target.folder), environ, CONTAINER)
        self.target = target

    @override
    def exchange(self, server: ServerProcess, call: NativeCall, timeout: float) -> ServedAnswer:
        """The server's answer, a chunked body passed through as it comes."""
        answer = server.send(call.args[0], timeout, stream=True)
        return ServedAnswer(answer.status, answer.headers, answer.body)


def server_command(target: Target, config: FunctionConfig) -> list[str]:
    """``--bootstrap``'s command, else ``polyfaas serve`` for the Python TARGET."""
    import shlex

    if config.bootstrap:
        return shlex.split(config.bootstrap)
    spec = (
        f"{target.file}:{target.attribute}"
        if target.file
        else f"{target.module}:{target.attribute}"
    )
    return [sys.executable, "-m", "polyfaas", "serve", "--provider", "container", spec]
