"""The ``container`` provider's platform half: Knative Serving in front of the
function's server, and Knative Eventing delivering CloudEvents to it.

An HTTP request reaches the server as the platform's proxy passes it on (every
field as sent, hop-by-hop ones aside). An event — ``polyfaas invoke``, a test's
``client.invoke``, a sample from ``polyfaas events container`` — is POSTed to ``/`` as
a CloudEvent: a sample (a JSON object with ``specversion``, or an array of them)
as it is, in structured or batched mode; any other event in binary mode (``ce-*``
headers, its ``type`` as it is: see ``polyfaas_container.event_types``). Whatever
the server answers is what the caller gets.

The runner, ``polyfaas invoke`` and the test kit start the function's own server as
the platform starts the image (``emulated.pool``: ``polyfaas serve --provider
container``, or the ``--bootstrap`` command of any language), with the variables the
contract sets (``K_SERVICE``, ``K_REVISION``, ``K_CONFIGURATION``, ``PORT``), and pass
its answers through as they come (chunk by chunk when it streams). A call made in
this process (``polyfaas.testing.emulate``) goes to the server's WSGI application
directly (``serve_in_process``).
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import attrs

from polyfaas import Event, Headers, Request, Response
from polyfaas.platform import (
    FunctionConfig,
    NativeCall,
    Outcome,
    Package,
    PlatformHalf,
    ProviderFacts,
    override,
)
from polyfaas.runtime import dump_json
from polyfaas_container import binding
from polyfaas_container.context import request_id
from polyfaas_container.emulated import deploy
from polyfaas_container.emulated.messages import ServedAnswer, ServedRequest
from polyfaas_container.server import DEFAULT_PORT, NAME

if TYPE_CHECKING:
    from polyfaas.runtime import Target
    from polyfaas_container.emulated.pool import ServerPool

#: Headers a proxy sets itself (RFC 9110 § 7.6.1 hop-by-hop fields, and the framing).
_HOP_BY_HOP = frozenset(
    {"connection", "keep-alive", "content-length", "transfer-encoding", "expect", "te"}
)
#: What a binary-mode header value may carry unencoded (the binding's § 3.1.3.2:
#: printable ASCII but space, double quote and percent).
_HEADER_SAFE = "".join(chr(c) for c in range(0x21, 0x7F) if chr(c) not in '"%')

FACTS = ProviderFacts(
    # Knative's revision-timeout-seconds and Cloud Run's request timeout default.
    default_timeout=300.0,
    unhandled_status=500,
    samples_package="polyfaas_container",
    # The instance is the function's own server (emulated.pool), whose answers the
    # platform passes through as they come.
    runs_server=True,
    streams=True,
    # polyfaas package: the official slim image of each Python (emulated.deploy).
    python_runtimes=deploy.PYTHON_IMAGES,
)


def header_value(value: str) -> str:
    """A binary-mode attribute value as a header carries it (percent-encoded UTF-8)."""
    return quote(value, safe=_HEADER_SAFE)


def _is_cloudevent(value: Any) -> bool:
    return isinstance(value, dict) and "specversion" in value


def event_request(event: Event) -> ServedRequest:
    """The HTTP request that delivers ``event``: a sample CloudEvent (or a batch of
    them) in structured (batched) mode, as it was written; any other event in
    binary mode."""
    data = event.data
    if _is_cloudevent(data) or (
        isinstance(data, list) and data and all(_is_cloudevent(item) for item in data)
    ):
        media = binding.STRUCTURED if isinstance(data, dict) else binding.BATCH
        raw = event.native if isinstance(event.native, bytes) else dump_json(data)
        return ServedRequest("POST", "/", (("Content-Type", media),), raw)
    headers = [
        (f"ce-{name}", header_value(value))
        for name, value in binding.attributes_of(event).items()
        if name != "datacontenttype"
    ]
    content_type: str | None
    if isinstance(data, bytes):
        body, content_type = data, event.datacontenttype or "application/octet-stream"
    elif isinstance(data, str) and not (event.datacontenttype or "").endswith("json"):
        body, content_type = data.encode("utf-8"), event.datacontenttype or "text/plain"
    elif data is None:
        body, content_type = b"", event.datacontenttype
    else:
        body, content_type = dump_json(data), event.datacontenttype or "application/json"
    if content_type:
        headers.append(("Content-Type", content_type))
    return ServedRequest("POST", "/", tuple(headers), body)


def http_request(request: Request) -> ServedRequest:
    """The request as the proxy passes it on."""
    query = request.query_string
    headers = tuple(
        (name, value) for name, value in request.headers.items() if name.lower() not in _HOP_BY_HOP
    )
    return ServedRequest(
        request.method, request.raw_path + (f"?{query}" if query else ""), headers, request.body
    )


def serve_in_process(entry: Any, call: NativeCall) -> ServedAnswer:
    """Send the call's request to the container's WSGI application in this process
    (the instance's state, its init included, lives in the entry), as a server
    would: the environ of the request as sent (no werkzeug: a packaged function's
    bare interpreter runs this too)."""
    from polyfaas.runtime import decode_path, environ_from_request
    from polyfaas_container.server import ContainerApp

    sent: ServedRequest = call.args[0]
    raw_path, _, query = sent.target.partition("?")
    request = Request(
        sent.method,
        path=decode_path(raw_path),
        raw_path=raw_path,
        query=query,
        headers=list(sent.headers),
        body=sent.body,
    )
    environ = environ_from_request(request)
    del environ["polyfaas.request"], environ["polyfaas.context"]  # a server sets neither
    started: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        started[:] = [int(status.split(maxsplit=1)[0]), tuple(headers)]
        return lambda data: None

    result = ContainerApp(entry)(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = started
    return ServedAnswer(status, headers, body)


class ContainerPlatform(PlatformHalf):
    """Platform half of ``container``: Knative Serving and Eventing in front."""

    name = NAME
    facts = FACTS

    @override
    def call(self, payload: Request | Event, config: FunctionConfig) -> NativeCall:
        sent = http_request(payload) if isinstance(payload, Request) else event_request(payload)
        # The ingress (Envoy, behind Knative and Cloud Run) gives every request an id.
        headers = Headers(list(sent.headers))
        if not any(name in headers for name in ("traceparent", "x-request-id")):
            sent = attrs.evolve(
                sent, headers=(*sent.headers, ("X-Request-Id", request_id(headers)))
            )
            headers = Headers(list(sent.headers))
        return NativeCall(
            args=(sent,),
            environ=self.instance_environ(config),
            request_id=request_id(headers),
            deadline=time.time() + self.timeout(config),
            payload=payload,
            config=config,
            via=serve_in_process,
        )

    @override
    def receive(self, outcome: Outcome, call: NativeCall) -> Response:
        if outcome.error is not None:
            body = {"error": outcome.error.message, "type": outcome.error.type}
            return Response(500, [("Content-Type", "application/json")], json.dumps(body))
        answer = outcome.value
        if not isinstance(answer, ServedAnswer):
            message = f"the container's answer is a {type(answer).__name__}"
            return Response(502, [("Content-Type", "text/plain")], message)
        # The proxy frames the answer itself: the server's framing fields stay behind.
        headers = [(k, v) for k, v in answer.headers if k.lower() not in _HOP_BY_HOP]
        return Response(answer.status, headers, answer.body)

    @override
    def make_pool(
        self,
        target: Target,
        environ: Mapping[str, str],
        config: FunctionConfig,
        *,
        size: int = 1,
        concurrency: int = 1,
    ) -> ServerPool:
        """The function's own server, started as the platform starts the image."""
        from polyfaas_container.emulated.pool import ServerPool, server_command

        return ServerPool(server_command(target, config), target, environ)

    @override
    def package_requirements(self) -> tuple[str, ...]:
        """gunicorn: ``polyfaas serve`` runs under it (keep-alive, threads)."""
        return ("gunicorn>=21",)

    @override
    def deploy_files(self, package: Package) -> dict[str, str]:
        """The ``Dockerfile`` of the image and its Knative ``service.yaml``."""
        return deploy.deploy_files(package)

    @override
    def instance_environ(self, config: FunctionConfig) -> dict[str, str]:
        """The contract's variables: the service, its first revision, the port."""
        service = config.name
        return {
            "K_SERVICE": service,
            "K_REVISION": f"{service}-00001",
            "K_CONFIGURATION": service,
            "PORT": str(DEFAULT_PORT),
            **config.environment,
        }


platform = ContainerPlatform()
