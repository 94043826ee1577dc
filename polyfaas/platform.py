"""The provider kit, emulation side: what a provider's platform half is made of.

A platform half imitates the cloud for the local runner and the tests: from a
canonical request or event it builds the exact native call the cloud would make
(``call``), and from the native outcome what the cloud's caller would receive
(``receive``). It subclasses ``PlatformHalf``; every other hook has a default, and an
override is marked ``@override`` (a marked method that overrides nothing fails when
the class is made, and in mypy)::

    from polyfaas.platform import NativeCall, PlatformHalf, ProviderFacts, override

    class MyCloudPlatform(PlatformHalf):
        name = "mycloud"
        facts = ProviderFacts(unhandled_status=502, failure_header="X-My-Error")

        @override
        def call(self, payload, config) -> NativeCall: ...
        @override
        def receive(self, outcome, call) -> Response: ...

A provider's facts — its limits, documented losses, error statuses, secret header
names and sample events — are data on it (``ProviderFacts``), which the runner, the
CLI and ``polyfaas.testing.conformance`` read instead of restating them.

This module is never imported on a runtime path.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import attrs

from polyfaas._entry import DETECT_FIRST_ENV, PROVIDER_ENV
from polyfaas._event import Event
from polyfaas._gateway import (
    ROUTE_SETTING,
    GatewayFunction,
    GatewayRoute,
    GatewaySpec,
    read_yaml,
    route_params,
)
from polyfaas._instance_logging import RequestIdFilter, configure_root_logger
from polyfaas._native import (
    START_TIMEOUT_S,
    CallResult,
    ErrorInfo,
    Frame,
    FunctionConfig,
    InstancePool,
    InstanceStartError,
    InvocationReport,
    LoadFailure,
    NativeCall,
    Outcome,
    call_native,
    exit_detail,
)
from polyfaas._override import check_overrides, override
from polyfaas._request import Request
from polyfaas._response import Response
from polyfaas._server_pool import ServerProcessPool
from polyfaas._server_process import (
    ServerAnswer,
    ServerBoundRequest,
    ServerKind,
    ServerProcess,
    StreamedBody,
    free_port,
)
from polyfaas._yaml_text import yaml_text

if TYPE_CHECKING:
    from pathlib import Path

    from polyfaas._target import Target


class Loss:
    """The names of what a round trip through a platform may lose or change.

    A provider lists those its platform documents in ``ProviderFacts.losses``, each
    with the reason; the conformance suite allows exactly those differences.
    """

    #: The function sees no path (``/``), e.g. a direct call to a function URL.
    NO_PATH = "no-path"
    #: ``Cookie`` never reaches the function.
    NO_COOKIE = "no-cookie"
    #: ``Authorization`` never reaches the function.
    NO_AUTHORIZATION = "no-authorization"
    #: A repeated query key reaches the function once, its values joined with ``,``.
    QUERY_REPEATS_JOINED = "query-repeats-joined"
    #: Several ``Set-Cookie`` reach the client joined into one field.
    SET_COOKIE_JOINED = "set-cookie-joined"

    ALL = frozenset({NO_PATH, NO_COOKIE, NO_AUTHORIZATION, QUERY_REPEATS_JOINED, SET_COOKIE_JOINED})


def _losses(value: Mapping[str, str]) -> dict[str, str]:
    return dict(value)


def _runtimes(value: Mapping[str, str]) -> dict[str, str]:
    # A typed converter (``converter=dict`` would make the field untyped for mypy).
    return dict(value)


@attrs.frozen(kw_only=True)
class ProviderFacts:
    """What a platform documents, as data (the sources are in the adapter's
    ``ASSUMPTIONS.md``)."""

    #: Seconds a call may run when the function's configuration sets no timeout.
    default_timeout: float = 60.0
    #: ``Loss`` name → why the platform loses it.
    losses: Mapping[str, str] = attrs.field(factory=dict, converter=_losses)
    #: The status the caller gets over HTTP when the handler raises.
    unhandled_status: int = 500
    #: The header with which the platform marks a failed function (even on a 200).
    failure_header: str | None = None
    #: The largest request body (bytes) the platform's front door takes, if it says.
    max_request_body: int | None = None
    #: The status of a request over that limit.
    too_large_status: int = 413
    #: Header names whose values are credentials (never logged, never in a ``repr``).
    secret_headers: frozenset[str] = frozenset()
    #: The package whose ``samples/`` folder holds the documented sample events.
    samples_package: str | None = None
    #: Whether the instances are servers of the function's own (started with
    #: ``--bootstrap``), rather than the platform calling the handler.
    runs_server: bool = False
    #: Whether the platform's front door takes HTTP requests only (no invoke API, no
    #: triggers through it): an event handler behind it gets the request body as a
    #: direct event. The default suits a platform that takes events.
    http_only: bool = False
    #: Whether a streamed response (``Response.stream``, an ASGI streaming response, a
    #: WSGI app's iterable) reaches the client chunk by chunk, each as it is produced;
    #: otherwise the platform buffers: the chunks are collected into one body, and its
    #: response limit applies as to any body.
    streams: bool = False
    #: The platform's Python runtimes that ``polyfaas package`` can build for: Python
    #: ``"X.Y"`` → the platform's own name of that runtime (``"python3.10"``), oldest
    #: first; the newest is the default. Empty: the platform does not deploy code.
    python_runtimes: Mapping[str, str] = attrs.field(factory=dict, converter=_runtimes)
    #: The largest code package (bytes) the platform takes, as uploaded (the zip) and
    #: unpacked, if it says.
    max_package_zip: int | None = None
    max_package_unpacked: int | None = None


@attrs.frozen(kw_only=True)
class Package:
    """What ``polyfaas package`` built, as the deploy configuration needs it."""

    #: The provider it was built for.
    provider: str
    #: The TARGET it packs (``main.py:handler``), as given.
    target: str
    #: The platform's handler setting (``main.handler``), from ``handler_setting``.
    handler: str
    #: Python ``"X.Y"`` the dependencies were installed for.
    python: str
    #: The platform's name of that runtime (``python3.10``).
    runtime: str
    #: The zip's file name, beside the deploy configuration.
    zip_name: str
    sha256: str
    size: int
    #: The function's name in the deploy configuration (the TARGET folder's name).
    function_name: str
    memory_mb: int = 128
    timeout_s: float = 60.0


@attrs.frozen
class PackageFile:
    """A file the platform needs in the package beside the user's code (a custom
    runtime's ``bootstrap``), from ``PlatformHalf.package_files``."""

    data: bytes
    #: Written with mode 0755 (a start command), else 0644 like every other file.
    executable: bool = False


@attrs.frozen
class Setting:
    """One platform setting of a function that a deploy makes (an FC initializer, the
    Yandex gateway's payload version): ``--NAME`` on ``polyfaas run`` and ``invoke``
    when that provider is chosen, ``FunctionConfig(settings={NAME: value})`` in the
    test kit. A switch (``flag``) is ``"true"`` when set."""

    name: str
    help: str
    metavar: str = "VALUE"
    flag: bool = False
    choices: tuple[str, ...] = ()

    def check(self, value: str) -> str | None:
        """Why ``value`` is not a value of this setting, or ``None``."""
        allowed = ("true", "false") if self.flag else self.choices
        if allowed and value not in allowed:
            return f"--{self.name} takes one of {', '.join(allowed)}, not {value!r}"
        return None


def load_samples(package: str) -> dict[str, Any]:
    """The sample native events of ``package``'s ``samples/`` folder, by kind (the file
    name without its suffix): ``.json`` files parsed, other files as bytes; sorted."""
    import json
    from importlib.resources import files

    folder = files(package) / "samples"
    found: dict[str, Any] = {}
    for entry in sorted(folder.iterdir(), key=lambda item: item.name):
        if not entry.is_file() or entry.name.startswith((".", "_")):
            continue
        kind, _, suffix = entry.name.rpartition(".")
        if suffix == "json":
            found[kind] = json.loads(entry.read_text(encoding="utf-8"))
        elif kind:
            found[kind] = entry.read_bytes()
    return found


def _text_answer(status: int, message: str, call: NativeCall) -> Response:
    return Response.from_text(message, status, [("X-Request-Id", call.request_id)])


class PlatformHalf:
    """Canonical request or event → native call; native outcome → what the caller gets.

    ``call`` and ``receive`` are the provider's own; every other hook has a default
    that suits a platform calling the handler directly.
    """

    #: The provider's name, as in the registry.
    name: str = ""
    #: What the platform documents (limits, losses, statuses, samples).
    facts: ProviderFacts = ProviderFacts()

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        check_overrides(cls)

    # -- the function's platform settings -----------------------------------------

    def settings(self) -> Sequence[Setting]:
        """The settings a deploy can make on this platform beyond the common ones
        (``FunctionConfig.settings``); none by default."""
        return ()

    def check_settings(self, config: FunctionConfig) -> None:
        """Refuse (``PolyfaasError``) a setting this platform does not have, or a value
        it does not take: a typo must not silently become the default."""
        from polyfaas.errors import PolyfaasError

        known = {setting.name: setting for setting in self.settings()}
        for name, value in config.settings.items():
            if name == ROUTE_SETTING:  # the kit's own, set by a gateway for its routes
                continue
            setting = known.get(name)
            if setting is None:
                offered = ", ".join(sorted(known)) or "none"
                raise PolyfaasError(
                    f"provider {self.name!r} has no setting {name!r} (it has: {offered})"
                )
            reason = setting.check(value)
            if reason is not None:
                raise PolyfaasError(reason)

    # -- the native call and its answer ------------------------------------------

    def call(self, payload: Request | Event, config: FunctionConfig) -> NativeCall:
        """The exact native call the platform makes for ``payload``."""
        raise NotImplementedError(f"{type(self).__qualname__} must implement call()")

    def receive(self, outcome: Outcome, call: NativeCall) -> Response:
        """What the platform's caller receives once the native call returned or raised."""
        raise NotImplementedError(f"{type(self).__qualname__} must implement receive()")

    def timed_out(self, call: NativeCall) -> Response:
        """What the caller receives when the call outlived its timeout (504)."""
        return _text_answer(504, "Function timed out", call)

    def crashed(self, call: NativeCall, detail: str) -> Response:
        """What the caller receives when the instance died during the call (502)."""
        return _text_answer(502, f"Function instance exited: {detail}", call)

    def load_failed(self, call: NativeCall, reason: str, error: ErrorInfo) -> Response:
        """The answer when the TARGET cannot load (``reason`` as in
        ``HandlerImportError``); by default, a crash."""
        return self.crashed(call, f"the function failed to load: {error.message}")

    # -- the front door -------------------------------------------------------------

    def admit(self, request: Request, config: FunctionConfig) -> Request | Event | Response:
        """What an HTTP request to the platform's front door is: an HTTP invocation
        (the default), an event invocation (an invoke API's path), or an answer of the
        platform's own (its limits, unknown endpoints)."""
        return request

    def asynchronous(self, request: Request, call: NativeCall) -> Response | None:
        """The immediate answer when ``request`` (as it reached the front door) asks
        for an asynchronous invocation, ``call`` being the native call made for it
        (e.g. 202 with its request id): the runner then makes the call in the
        background. ``None`` (the default): the call is synchronous."""
        return None

    def async_retry(self, call: NativeCall, response: Response, attempt: int) -> float | None:
        """Seconds to wait before retrying an asynchronous ``call`` whose
        ``attempt``-th try (``1`` the first) was answered with ``response``, or ``None``
        for no further try (the default: never retried)."""
        return None

    def function_failed(self, response: Response) -> bool:
        """Whether an answer reports a failed function (for ``polyfaas invoke``'s exit
        status): by default, whether it carries ``facts.failure_header``."""
        header = self.facts.failure_header
        return header is not None and header in response.headers

    def samples(self) -> Mapping[str, Any]:
        """Sample native events by kind (``polyfaas events``): the JSON files of
        ``facts.samples_package``'s ``samples/`` folder."""
        package = self.facts.samples_package
        return load_samples(package) if package else {}

    # -- deployment packages (``polyfaas package``) -----------------------------------

    def handler_setting(self, target: Target) -> str:
        """The platform's handler setting for ``target``: ``module.attribute`` (TARGET
        ``main.py:handler`` → ``main.handler``), as most platforms' loaders take it."""
        return target.handler_string

    def package_requirements(self) -> Sequence[str]:
        """Requirements the package needs on this platform beyond polyfaas and the
        user's own (a custom runtime's HTTP server); none by default."""
        return ()

    def package_files(self, target: Target, python: str) -> Mapping[str, PackageFile]:
        """Files the zip needs beside the user's code for ``target`` on Python ``python``
        (``"X.Y"``): path in the zip → file (a custom runtime's ``bootstrap``, which
        starts the function's server); none by default. They are known before the zip
        is, so they cannot depend on its hash."""
        return {}

    def deploy_files(self, package: Package) -> Mapping[str, str]:
        """The deploy configuration written beside the package: file name → text (a
        Serverless Devs ``s.yaml``, a Terraform resource); none by default."""
        return {}

    # -- several functions behind the platform's gateway -----------------------------

    def read_gateway(self, path: Path) -> GatewaySpec:
        """The routes and functions of the platform's own gateway file at ``path``
        (``polyfaas run --gateway`` / ``--config``); by default the platform has none."""
        from polyfaas.errors import PolyfaasError

        raise PolyfaasError(
            f"provider {self.name!r} reads no gateway file ({path.name}); choose the "
            "platform whose file it is with --provider"
        )

    # -- instances ----------------------------------------------------------------

    def instance_environ(self, config: FunctionConfig) -> Mapping[str, str]:
        """Variables the platform sets on every instance (over the function's own)."""
        return {}

    def instance_setup(self) -> str | None:
        """``"module:function"`` run in each worker-process instance before the user's
        code is imported (logging set up as the platform's runtime does); what it
        returns, if callable, runs before every call with it (or, an object with the
        methods ``instance_hooks`` describes, around every call)."""
        return None

    def instance_hooks(self) -> str | None:
        """``"module:function"`` making the object whose methods run in an instance
        around its calls (a platform's instance lifecycle hooks, e.g. FC's
        Initializer): ``before_call(call)`` before each call (an ``Outcome`` it
        returns answers the call instead, and the instance is replaced),
        ``after_call(call)`` after each, ``stop()`` before the instance goes. Used
        by the test kit's instance in this process; a worker process gets the same
        object from ``instance_setup``'s function. Default: none."""
        return None

    def make_pool(
        self,
        target: Target,
        environ: Mapping[str, str],
        config: FunctionConfig,
        *,
        size: int = 1,
        concurrency: int = 1,
    ) -> InstancePool | None:
        """Instances of the platform's own kind (a custom runtime's server), or ``None``
        (the default) for instances that call the entry: worker processes under the
        runner, one instance in the process under the test kit."""
        return None

    # -- log lines ------------------------------------------------------------------

    def start_lines(self, call: NativeCall) -> list[str]:
        """The platform's own log lines before a call."""
        return []

    def end_lines(self, call: NativeCall, report: InvocationReport) -> list[str]:
        """The platform's own log lines after a call."""
        return []

    # -- the runner's banner ------------------------------------------------------------

    def endpoints(self, config: FunctionConfig, base_url: str) -> list[str]:
        """Where to send calls to the runner at ``base_url`` (``http://host:port``), one
        line each, for ``polyfaas run``'s banner: by default, any HTTP request."""
        return [f"HTTP requests: {base_url}/"]

    # -- helpers for subclasses -------------------------------------------------------

    def timeout(self, config: FunctionConfig) -> float:
        """The call timeout: the function's configuration, else the platform's default."""
        return config.timeout if config.timeout is not None else self.facts.default_timeout

    def deadline(self, config: FunctionConfig, now: float | None = None) -> float:
        """``time.time()`` at which a call starting ``now`` times out."""
        return (time.time() if now is None else now) + self.timeout(config)


#: Set (``polyfaas run --inherit-env``) to give instances the runner's whole environment.
INHERIT_ENV = "POLYFAAS_INHERIT_ENV"

#: The runner's variables an instance's process inherits: what finds programs, the
#: Python that runs it and the project's packages, the locale, the time zone and the
#: temporary folder. Everything else the function sees is the platform's or the
#: function's configuration (``--env``, ``--env-file``), as in the cloud.
PASS_THROUGH = frozenset(
    {
        "PATH",
        "HOME",
        "USER",
        "LOGNAME",
        "SHELL",
        "LANG",
        "LANGUAGE",
        "TZ",
        "TMPDIR",
        "TEMP",
        "TMP",
        "PYTHONPATH",
        "PYTHONHOME",
        "PYTHONUNBUFFERED",
        "PYTHONIOENCODING",
        "PYTHONUTF8",
        "PYTHONDONTWRITEBYTECODE",
        "SYSTEMROOT",
        "COMSPEC",
        "PATHEXT",
    }
)
#: Prefixes of inherited variables (the locale's ``LC_ALL``, ``LC_CTYPE``, …).
PASS_THROUGH_PREFIXES = ("LC_",)


def _runner_only(key: str) -> bool:
    # POLYFAAS_PROVIDER picks the platform the runner or a test run imitates; the
    # instance sees what that platform sets, never the runner's own choice.
    return key in (PROVIDER_ENV, DETECT_FIRST_ENV, INHERIT_ENV)


def _passes(key: str) -> bool:
    return key.upper() in PASS_THROUGH or key.upper().startswith(PASS_THROUGH_PREFIXES)


def process_environ(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment of an instance's process: ``environ`` (the function's and the
    platform's variables) over the runner's ``PASS_THROUGH`` variables — or over its
    whole environment when ``POLYFAAS_INHERIT_ENV`` is set —, never the settings that
    choose a provider for the runner."""
    everything = os.environ.get(INHERIT_ENV, "") not in ("", "0")
    inherited = {
        key: value
        for key, value in os.environ.items()
        if not _runner_only(key) and (everything or _passes(key))
    }
    return {**inherited, **environ}


@contextmanager
def instance_environment(environ: Mapping[str, str]) -> Iterator[None]:
    """Set the variables a platform sets on an instance in this process (hiding the
    runner's provider settings), and restore them after. One in-process call at a
    time: ``os.environ`` is the process's."""
    hidden = [key for key in os.environ if _runner_only(key) and key not in environ]
    saved = {key: os.environ.get(key) for key in [*environ, *hidden]}
    for key in hidden:
        del os.environ[key]
    os.environ.update(environ)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


__all__ = [
    "START_TIMEOUT_S",
    "CallResult",
    "ErrorInfo",
    "Frame",
    "FunctionConfig",
    "GatewayFunction",
    "GatewayRoute",
    "GatewaySpec",
    "InstancePool",
    "InstanceStartError",
    "INHERIT_ENV",
    "InvocationReport",
    "LoadFailure",
    "Loss",
    "NativeCall",
    "Outcome",
    "Package",
    "PackageFile",
    "PASS_THROUGH",
    "PlatformHalf",
    "ProviderFacts",
    "Setting",
    "RequestIdFilter",
    "ROUTE_SETTING",
    "ServerAnswer",
    "ServerBoundRequest",
    "ServerKind",
    "ServerProcess",
    "ServerProcessPool",
    "StreamedBody",
    "call_native",
    "configure_root_logger",
    "exit_detail",
    "free_port",
    "instance_environment",
    "load_samples",
    "process_environ",
    "read_yaml",
    "route_params",
    "override",
    "yaml_text",
]
