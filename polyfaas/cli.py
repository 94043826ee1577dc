"""The ``polyfaas`` command line.

argparse, not click: every dependency ships inside every user's deployment zip.
Every flag has an environment twin (``POLYFAAS_PROVIDER``, ``PORT``, …).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Callable

from polyfaas import __version__, providers
from polyfaas.errors import PolyfaasError

if TYPE_CHECKING:
    from polyfaas._target import Target
    from polyfaas.platform import FunctionConfig, Setting

EPILOG = "TARGET is path/file.py:name, module:name, or the platforms' own file.name."


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    try:
        return int(value) if value else default
    except ValueError:
        raise SystemExit(f"polyfaas: {name}={value!r} is not a whole number") from None


def _env_float(name: str) -> float | None:
    value = os.environ.get(name)
    try:
        return float(value) if value else None
    except ValueError:
        raise SystemExit(f"polyfaas: {name}={value!r} is not a number") from None


def _add_function_options(parser: argparse.ArgumentParser, target_nargs: str | None = None) -> None:
    parser.add_argument("target", metavar="TARGET", nargs=target_nargs, help="the handler to run")
    parser.add_argument(
        "--provider",
        default=os.environ.get("POLYFAAS_PROVIDER", "local"),
        help="platform to imitate (env POLYFAAS_PROVIDER; default local)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=_env_float("POLYFAAS_TIMEOUT"),
        help="seconds a call may run (env POLYFAAS_TIMEOUT; default: the platform's)",
    )
    parser.add_argument(
        "--memory",
        type=int,
        default=_env_int("POLYFAAS_MEMORY", 128),
        help="memory limit in MB, shown in the context and enforced (env POLYFAAS_MEMORY)",
    )
    parser.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="K=V",
        help="an environment variable of the function (repeatable)",
    )
    parser.add_argument(
        "--env-file", type=Path, help="a file of K=V lines, as function configuration"
    )
    parser.add_argument(
        "--inherit-env",
        action="store_true",
        default=os.environ.get("POLYFAAS_INHERIT_ENV", "") not in ("", "0"),
        help="give the function this shell's whole environment, not only PATH, HOME, "
        "the locale and the few others docs/cli.md lists (env POLYFAAS_INHERIT_ENV)",
    )
    parser.add_argument(
        "--function-name",
        default=os.environ.get("POLYFAAS_FUNCTION_NAME", ""),
        help="the function's name",
    )
    parser.add_argument(
        "--debug", action="store_true", help="show tracebacks of polyfaas' own errors"
    )


#: ``args`` attribute names of the chosen provider's settings → setting name.
_SETTING_DESTS = "_polyfaas_settings"


def _chosen_provider(argv: Sequence[str]) -> str:
    """The ``--provider`` of a command line before it is fully parsed (its settings
    decide which options the command has)."""
    pre = argparse.ArgumentParser(add_help=False)
    pre.add_argument("--provider", default=os.environ.get("POLYFAAS_PROVIDER", "local"))
    known, _ = pre.parse_known_args(list(argv))
    return str(known.provider or "local")


def _provider_settings(name: str) -> Sequence[Setting]:
    try:
        return providers.platform_half(name).settings()
    except Exception:  # an unknown provider is refused, with its reason, by the command
        return ()


def _add_settings(parser: argparse.ArgumentParser, provider: str) -> None:
    settings = _provider_settings(provider) if provider else ()
    if not settings:
        return
    group = parser.add_argument_group(f"settings of provider {provider}")
    dests: dict[str, str] = {}
    for setting in settings:
        dest = "setting_" + setting.name.replace("-", "_")
        dests[dest] = setting.name
        if setting.flag:
            group.add_argument(
                f"--{setting.name}",
                dest=dest,
                action="store_const",
                const="true",
                default=None,
                help=setting.help,
            )
        else:
            group.add_argument(
                f"--{setting.name}",
                dest=dest,
                metavar=None if setting.choices else setting.metavar,
                default=None,
                choices=list(setting.choices) or None,
                help=setting.help,
            )
    parser.set_defaults(**{_SETTING_DESTS: dests})


#: The commands that take the chosen provider's settings (``serve`` does not: it is
#: the cloud's runtime path, which must not load the platform halves).
_COMMANDS_WITH_SETTINGS = ("run", "invoke")


def build_parser(argv: Sequence[str] = ()) -> argparse.ArgumentParser:
    command = next((arg for arg in argv if not arg.startswith("-")), "")
    provider = _chosen_provider(argv) if command in _COMMANDS_WITH_SETTINGS else ""
    parser = argparse.ArgumentParser(
        prog="polyfaas",
        description="Write a Python serverless function once; run it anywhere.",
        epilog=EPILOG,
    )
    parser.add_argument("--version", action="version", version=f"polyfaas {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    run = commands.add_parser(
        "run", help="serve a handler locally as the platform would", epilog=EPILOG
    )
    # TARGET is optional on run: --gateway / --config name the functions instead.
    _add_function_options(run, target_nargs="?")
    _add_settings(run, provider)
    run.add_argument(
        "--host",
        default=os.environ.get("POLYFAAS_HOST", "127.0.0.1"),
        help="address to listen on (env POLYFAAS_HOST; default 127.0.0.1, this machine "
        "only; 0.0.0.0 for every interface)",
    )
    run.add_argument(
        "--port", type=int, default=_env_int("PORT", 8080), help="(env PORT; default 8080)"
    )
    run.add_argument(
        "--reload", action="store_true", help="restart instances when source files change"
    )
    run.add_argument(
        "--inline",
        action="store_true",
        help="one instance in this process, calls on the main thread, so breakpoint() "
        "and debuggers work (implied by --debug, PYTHONBREAKPOINT or an attached debugger)",
    )
    run.add_argument(
        "--bootstrap",
        metavar="CMD",
        default=os.environ.get("POLYFAAS_BOOTSTRAP", ""),
        help="the command that starts the function's own server, any language "
        "(providers whose instances are servers; env POLYFAAS_BOOTSTRAP; "
        "default: polyfaas serve TARGET)",
    )
    run.add_argument(
        "--instances",
        type=int,
        default=_env_int("POLYFAAS_INSTANCES", 1),
        help="how many instances may run at once (env POLYFAAS_INSTANCES; default 1)",
    )
    run.add_argument(
        "--concurrency",
        type=int,
        default=_env_int("POLYFAAS_CONCURRENCY", 1),
        help="calls one instance serves at once, where the platform allows it (default 1)",
    )
    run.add_argument(
        "--gateway",
        type=Path,
        metavar="SPEC",
        help="serve every route of the platform's API gateway spec (yandex-gateway: an "
        "OpenAPI 3 openapi.yaml; needs pip install 'polyfaas[dev]')",
    )
    run.add_argument(
        "--config",
        type=Path,
        metavar="S_YAML",
        help="serve every function of a Serverless Devs s.yaml and its HTTP triggers "
        "(alibaba; needs pip install 'polyfaas[dev]')",
    )
    run.add_argument(
        "--function",
        action="append",
        default=[],
        metavar="ID=TARGET",
        help="the TARGET of a function the --gateway spec or --config file names (repeatable)",
    )

    invoke = commands.add_parser(
        "invoke", help="make one event invocation and print what the caller receives", epilog=EPILOG
    )
    _add_function_options(invoke)
    _add_settings(invoke, provider)
    source = invoke.add_mutually_exclusive_group()
    source.add_argument(
        "--event", "-e", type=Path, metavar="FILE", help="the event payload, from a file"
    )
    source.add_argument("--data", "-d", metavar="JSON", help="the event payload, inline")
    source.add_argument(
        "stdin", nargs="?", choices=["-"], help="read the payload from standard input"
    )

    events = commands.add_parser("events", help="list and print the sample native events")
    events.add_argument("provider", nargs="?", metavar="PROVIDER")
    events.add_argument("kind", nargs="?", metavar="KIND")

    serve = commands.add_parser(
        "serve",
        help="the production server of a provider that has one",
        epilog=EPILOG,
    )
    serve.add_argument("target", metavar="TARGET")
    serve.add_argument(
        "--provider",
        default=os.environ.get("POLYFAAS_PROVIDER"),
        help="a provider whose instances are servers (env POLYFAAS_PROVIDER)",
    )
    serve.add_argument(
        "--host", default=None, help="address to listen on (default: the platform's)"
    )
    serve.add_argument("--port", type=int, default=None, help="port (default: the platform's)")
    serve.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds a call may run, where the platform tells the function none "
        "(default: no deadline)",
    )
    serve.add_argument(
        "--grace",
        type=float,
        default=None,
        help="seconds SIGTERM waits for the calls in flight (default: the platform's)",
    )
    serve.add_argument(
        "--debug", action="store_true", help="show tracebacks of polyfaas' own errors"
    )

    add_package_parser(commands)
    init = commands.add_parser("init", help="write a new, working project into DIR")
    init.add_argument("folder", metavar="DIR", type=Path)
    init.add_argument("--template", default="http", help="http (default), event, flask, fastapi")
    init.add_argument("--force", action="store_true", help="write into a non-empty DIR")
    commands.add_parser("providers", help="list the providers and what each imitates")
    add_routes_parser(commands)
    return parser


def add_routes_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    routes = commands.add_parser(
        "routes", help="list the HTTP routes of a TARGET's app (methods, path, name)", epilog=EPILOG
    )
    routes.add_argument("target", metavar="TARGET", nargs="?", help="the handler or app")
    routes.add_argument(
        "--gateway",
        type=Path,
        metavar="SPEC",
        help="the routes of the platform's API gateway spec instead (with --provider)",
    )
    routes.add_argument(
        "--config",
        type=Path,
        metavar="S_YAML",
        help="the routes of a Serverless Devs s.yaml instead (with --provider)",
    )
    routes.add_argument(
        "--provider",
        default=os.environ.get("POLYFAAS_PROVIDER", "local"),
        help="the platform whose --gateway/--config file it is (env POLYFAAS_PROVIDER)",
    )
    routes.add_argument(
        "--json", action="store_true", help='a JSON list of {"methods", "path", "name"}'
    )
    routes.add_argument(
        "--debug", action="store_true", help="show tracebacks of polyfaas' own errors"
    )


def cmd_routes(args: argparse.Namespace) -> int:
    """Import TARGET here, as an instance would (its folder the working directory),
    and print its app's routes; a note (an event handler's, an unreadable table's)
    is the output itself when there are no routes, else a line on stderr."""
    from polyfaas._target import load_target, parse_target
    from polyfaas.routes import route_table, table_lines

    spec_file = args.gateway if args.gateway is not None else args.config
    if spec_file is not None:
        from polyfaas._gateway import spec_route_table

        if args.target is not None or (args.gateway is not None and args.config is not None):
            raise PolyfaasError("routes takes a TARGET, --gateway SPEC or --config S_YAML")
        table = spec_route_table(providers.platform_half(args.provider).read_gateway(spec_file))
    elif args.target is None:
        raise PolyfaasError("routes needs a TARGET (or --gateway SPEC / --config S_YAML)")
    else:
        target = parse_target(args.target)
        os.chdir(target.folder)
        table = route_table(load_target(target))
    if args.json:
        print(json.dumps([route.as_json() for route in table.routes], indent=2))
    elif table.routes:
        print("\n".join(table_lines(table.routes)))
    else:
        print(table.note)
        return 0
    if table.note:
        print(f"polyfaas: {table.note}", file=sys.stderr)
    return 0


def read_env_file(path: Path) -> dict[str, str]:
    """``K=V`` lines; blank lines and ``#`` comments are skipped, quotes stripped."""
    environ = {}
    for number, raw_line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.removeprefix("export ").partition("=")
        if not sep or not key.strip():
            raise PolyfaasError(f"{path}:{number}: expected K=V, got {line!r}")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        environ[key.strip()] = value
    return environ


def function_config(args: argparse.Namespace, handler: str) -> FunctionConfig:
    from polyfaas.platform import FunctionConfig

    environ: dict[str, str] = {}
    if args.env_file is not None:
        try:
            environ.update(read_env_file(args.env_file))
        except OSError as exc:
            raise PolyfaasError(f"cannot read --env-file {args.env_file}: {exc.strerror}") from None
    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise PolyfaasError(f"--env takes K=V, got {item!r}")
        environ[key] = value
    if args.memory <= 0:
        raise PolyfaasError("--memory must be a positive number of MB")
    if args.timeout is not None and args.timeout <= 0:
        raise PolyfaasError("--timeout must be a positive number of seconds")
    dests: Mapping[str, str] = getattr(args, _SETTING_DESTS, {})
    settings = {
        name: value for dest, name in dests.items() if (value := getattr(args, dest)) is not None
    }
    return FunctionConfig(
        name=args.function_name or "polyfaas-function",
        handler=handler,
        memory_mb=args.memory,
        timeout=args.timeout,
        environment=environ,
        bootstrap=getattr(args, "bootstrap", "") or "",
        settings=settings,
    )


def _calls_natively(name: str) -> bool:
    """Whether provider ``name`` calls a handler as ``handler(event, context)`` with its
    own native objects (what a plain, undecorated handler takes)."""
    from polyfaas._event import Event
    from polyfaas._request import Request
    from polyfaas.platform import FunctionConfig

    try:
        platform = providers.platform_half(name)
        if platform.facts.runs_server:
            return False
        call = platform.call(Event(data={}), FunctionConfig())
    except Exception:  # a provider that cannot make such a call does not make it
        return False
    return len(call.args) == 2 and not isinstance(call.args[0], (Request, Event))


def prepare_target(target: Target, provider: str) -> Target:
    """``target`` as the instances load it under ``provider``: a bare WSGI or ASGI
    application served as ``polyfaas.wsgi(app)`` or ``polyfaas.asgi(app)``; a native
    ``handler(event, context)`` refused at start, naming the fix, where the platform
    does not call it natively."""
    import attrs

    fix = ""
    if not _calls_natively(provider):
        native = [n for n in providers.names() if _calls_natively(n)]
        fix = (
            f"provider {provider!r} does not call it natively; run it with --provider "
            f"{', '.join(native[:-1])} or {native[-1]} (the platforms that call "
            "handler(event, context)), "
            "or decorate it with @polyfaas.http / @polyfaas.event"
        )
    return attrs.evolve(target, wrap_wsgi=True, native_fix=fix)


def inherit_environment(args: argparse.Namespace) -> None:
    """``--inherit-env``: the instances get this process's whole environment."""
    from polyfaas.platform import INHERIT_ENV

    if getattr(args, "inherit_env", False):
        os.environ[INHERIT_ENV] = "1"
    else:
        os.environ.pop(INHERIT_ENV, None)


def cmd_run_gateway(args: argparse.Namespace) -> int:
    """``polyfaas run --gateway SPEC`` / ``--config S_YAML``: every route of the file."""
    from polyfaas._target import parse_target
    from polyfaas.runner.gateway import GatewaySettings, run_gateway, targets_of

    if args.gateway is not None and args.config is not None:
        raise PolyfaasError("give --gateway or --config, not both")
    if args.target is not None:
        raise PolyfaasError(
            f"TARGET {args.target!r} with --gateway/--config: name each function's TARGET "
            "with --function ID=TARGET"
        )
    if args.inline:
        raise PolyfaasError("--inline cannot be used with --gateway/--config yet")
    path: Path = args.gateway if args.gateway is not None else args.config
    platform = providers.platform_half(args.provider)
    spec = platform.read_gateway(path)
    given = {}
    for item in args.function:
        key, sep, target = item.partition("=")
        if not sep or not key or not target:
            raise PolyfaasError(f"--function takes ID=TARGET, got {item!r}")
        given[key] = parse_target(target)
    targets = targets_of(spec, given, path.parent, parse_target)
    prepared = {key: prepare_target(target, args.provider) for key, target in targets.items()}
    inherit_environment(args)
    settings = GatewaySettings(
        spec=spec,
        targets=prepared,
        provider=args.provider,
        host=args.host,
        port=args.port,
        instances=args.instances,
        concurrency=args.concurrency,
        config=function_config(args, ""),
        reload=args.reload,
    )
    if settings.instances < 1 or settings.concurrency < 1:
        raise PolyfaasError("--instances and --concurrency must be at least 1")
    platform.check_settings(settings.config)
    run_gateway(settings)
    return 0


def cmd_run(args: argparse.Namespace) -> int:
    from polyfaas._target import parse_target
    from polyfaas.runner.inline import inline_reason
    from polyfaas.runner.server import RunSettings, run

    if args.gateway is not None or args.config is not None:
        return cmd_run_gateway(args)
    if args.function:
        raise PolyfaasError("--function names the functions of a --gateway or --config file")
    if args.target is None:
        raise PolyfaasError("run needs a TARGET (or --gateway SPEC / --config S_YAML)")
    platform = providers.platform_half(args.provider)  # an unknown one fails before anything
    if args.bootstrap and not platform.facts.runs_server:
        servers = [n for n in providers.names() if _runs_server(n)]
        raise PolyfaasError(
            f"--bootstrap starts a server of the function's own; provider {args.provider!r} "
            f"calls the handler directly (providers with servers: {', '.join(servers)})"
        )
    target = prepare_target(parse_target(args.target), args.provider)
    inherit_environment(args)
    inline = inline_reason(args.inline, args.debug)
    if inline and (args.reload or platform.facts.runs_server):
        why = (
            "--reload restarts worker instances"
            if args.reload
            else (f"provider {args.provider!r} runs the function's own server process")
        )
        if args.inline:
            raise PolyfaasError(f"--inline cannot be used here: {why}")
        inline = ""  # only implied: the usual worker instances
    settings = RunSettings(
        target=target,
        provider=args.provider,
        host=args.host,
        port=args.port,
        instances=args.instances,
        concurrency=args.concurrency,
        reload=args.reload,
        config=function_config(args, target.handler_string),
        inline=inline,
    )
    if settings.instances < 1 or settings.concurrency < 1:
        raise PolyfaasError("--instances and --concurrency must be at least 1")
    platform.check_settings(settings.config)
    run(settings)
    return 0


def read_payload(args: argparse.Namespace) -> bytes:
    if args.event is not None:
        try:
            return Path(args.event).read_bytes()
        except OSError as exc:
            raise PolyfaasError(f"cannot read --event {args.event}: {exc.strerror}") from None
    if args.data is not None:
        try:
            json.loads(args.data)
        except json.JSONDecodeError as exc:
            print(
                f"polyfaas: --data is not JSON ({exc.msg}, column {exc.colno}); "
                "sending it as a string",
                file=sys.stderr,
            )
        return str(args.data).encode("utf-8")
    if args.stdin == "-":
        return sys.stdin.buffer.read()
    return b""


@contextmanager
def body_only_on_stdout() -> Iterator[BinaryIO]:
    """While the function runs, file descriptor 1 is stderr, so whatever the instances
    print (logs, the platform's lines) stays off stdout; the body goes to the real
    stdout, which this yields."""
    sys.stdout.flush()
    real = os.fdopen(os.dup(1), "wb")
    saved = os.dup(1)
    os.dup2(2, 1)
    try:
        yield real
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)
        real.close()


def cmd_invoke(args: argparse.Namespace) -> int:
    from polyfaas._entry import payload_data
    from polyfaas._event import Event
    from polyfaas._target import parse_target
    from polyfaas.runner.app import Dispatcher
    from polyfaas.runner.server import make_pool
    from polyfaas.runner.storage import with_storage
    from polyfaas.storage._local import DEFAULT_DIR

    platform = providers.platform_half(args.provider)
    target = prepare_target(parse_target(args.target), args.provider)
    inherit_environment(args)
    config = function_config(args, target.handler_string)
    platform.check_settings(config)
    # polyfaas.storage: the local folder beside the function, as under `polyfaas run`.
    config = with_storage(config, target.folder / DEFAULT_DIR, "", relative_to=target.folder)
    raw = read_payload(args)
    with body_only_on_stdout() as stdout:
        pool = make_pool(platform, target, config)
        try:
            event = Event(data=payload_data(raw), datacontenttype="application/json", native=raw)
            response, _, result = Dispatcher(platform, pool, config, log=sys.stderr)(event)
        finally:
            pool.close()
        failed = (
            result.ending != "returned"
            or (result.outcome is not None and result.outcome.error is not None)
            or platform.function_failed(response)
        )
        if not failed and response.status < 400:
            stdout.write(response.body)
            if ends_without_newline(response.body):
                stdout.write(b"\n")
            return 0
    sys.stderr.write(response.text + ("" if response.text.endswith("\n") else "\n"))
    reason: str = result.ending if result.ending != "returned" else "error"
    if result.outcome is not None and result.outcome.error is not None:
        reason = result.outcome.error.type
    print(f"polyfaas: the invocation failed ({reason}); status {response.status}", file=sys.stderr)
    return 1


def ends_without_newline(body: bytes) -> bool:
    """Whether ``invoke`` adds a newline after ``body``: a text body (UTF-8) that does
    not end with one gets it, on a terminal and in a pipe alike; a binary body is
    written byte for byte."""
    if not body or body.endswith(b"\n"):
        return False
    try:
        body.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _runs_server(name: str) -> bool:
    try:
        return providers.platform_half(name).facts.runs_server
    except PolyfaasError:
        return False


def cmd_serve(args: argparse.Namespace) -> int:
    """Hand over to the runtime half's own server (``RuntimeHalf.serve``)."""
    if not args.provider:
        servers = [n for n in providers.names() if _runs_server(n)]
        raise PolyfaasError(
            "serve needs --provider (or POLYFAAS_PROVIDER): one whose instances are "
            f"servers: {', '.join(servers)}"
        )
    for option in ("timeout", "grace"):
        value = getattr(args, option)
        if value is not None and value <= 0:
            raise PolyfaasError(f"--{option} must be a positive number of seconds")
    runtime = providers.runtime_half(args.provider)
    served = runtime.serve(
        args.target, host=args.host, port=args.port, timeout=args.timeout, grace=args.grace
    )
    return int(served)


def samples_of(name: str) -> Mapping[str, Any]:
    return providers.platform_half(name).samples()


def cmd_events(args: argparse.Namespace) -> int:
    if args.provider is None:
        for name in providers.names():
            try:
                kinds = samples_of(name)
            except PolyfaasError:
                continue
            if kinds:
                print(f"{name:<16} {' '.join(kinds)}")
        return 0
    kinds = samples_of(args.provider)
    if args.kind is None:
        if not kinds:
            raise PolyfaasError(f"provider {args.provider!r} has no sample events")
        for kind in kinds:
            print(kind)
        return 0
    if args.kind not in kinds:
        raise PolyfaasError(
            f"no {args.kind!r} sample for {args.provider!r}; kinds: {', '.join(kinds) or 'none'}"
        )
    sample = kinds[args.kind]
    print(
        sample.decode("utf-8")
        if isinstance(sample, bytes)
        else json.dumps(sample, indent=2, ensure_ascii=False)
    )
    return 0


def cmd_providers() -> int:
    for name in providers.names():
        print(f"{name:<16} {providers.spec(name).summary}")
    return 0


def add_package_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    package = commands.add_parser(
        "package",
        help="build the deployable zip and the platform's deploy configuration",
        epilog=EPILOG,
    )
    package.add_argument("target", metavar="TARGET", help="the handler to deploy")
    package.add_argument(
        "--provider",
        default=os.environ.get("POLYFAAS_PROVIDER", "local"),
        help="the platform to deploy to (env POLYFAAS_PROVIDER)",
    )
    package.add_argument(
        "--requirements",
        "-r",
        type=Path,
        metavar="FILE",
        help="the function's requirements (default: requirements.txt in TARGET's folder)",
    )
    package.add_argument(
        "--python", metavar="X.Y", help="the platform's Python to build for (default: its newest)"
    )
    package.add_argument(
        "--output",
        "-o",
        type=Path,
        default=Path("dist"),
        metavar="DIR",
        help="where the zip and the deploy configuration go (default: dist)",
    )
    package.add_argument(
        "--no-verify", action="store_true", help="do not call the unpacked package once"
    )
    package.add_argument(
        "--find-links",
        action="append",
        default=[],
        metavar="DIR|URL",
        help="where pip also looks for wheels (repeatable; pip's own option)",
    )
    package.add_argument(
        "--no-index", action="store_true", help="pip uses --find-links only (offline)"
    )
    package.add_argument(
        "--memory", type=int, default=128, help="the function's memory in MB (default 128)"
    )
    package.add_argument(
        "--timeout",
        type=float,
        default=None,
        help="seconds a call may run (default: the platform's)",
    )
    package.add_argument(
        "--function-name", default="", help="(default: TARGET's folder name, as platforms take it)"
    )
    package.add_argument(
        "--debug", action="store_true", help="show tracebacks of polyfaas' own errors"
    )


def cmd_package(args: argparse.Namespace) -> int:
    """Build, verify and write the package; list what was written."""
    from polyfaas.package import PackageOptions, PipOptions, build

    if args.memory <= 0:
        raise PolyfaasError("--memory must be a positive number of MB")
    if args.timeout is not None and args.timeout <= 0:
        raise PolyfaasError("--timeout must be a positive number of seconds")
    options = PackageOptions(
        provider=args.provider,
        target=args.target,
        requirements=args.requirements,
        python=args.python,
        output=args.output,
        verify=not args.no_verify,
        pip=PipOptions(find_links=tuple(args.find_links), no_index=args.no_index),
        memory_mb=args.memory,
        timeout_s=args.timeout,
        function_name=args.function_name,
    )
    built = build(options, say=lambda line: print(f"polyfaas package: {line}", file=sys.stderr))
    package = built.package
    print(
        f"{package.handler} for {package.provider} ({package.runtime}, CPython "
        f"{package.python}): {built.files} files, {built.unpacked_size} bytes unpacked"
    )
    verified = built.verified
    if verified is not None:
        print(
            f"verified: python{verified.interpreter.version} -I -S, from the unpacked zip "
            f"alone, answered {verified.sent} with status {verified.status}"
        )
        if verified.interpreter.note:
            print(f"note: {verified.interpreter.note}")
        if verified.handler_error:
            print(f"note: the handler raised {verified.handler_error} on that call")
    for path in built.written:
        shown = os.path.relpath(path)
        shown = str(path) if shown.startswith("..") else shown
        if path == built.written[0]:
            print(f"wrote {shown} ({package.size} bytes, sha256 {package.sha256})")
        else:
            print(f"wrote {shown}")
    for name, text in built.deploy_files.items():
        if name.endswith(".sh"):
            print(f"\n# {name}\n{text.rstrip()}")
    return 0


def users_traceback(exc: PolyfaasError) -> str:
    """The traceback of the user's code behind a TARGET that failed to load (their file
    and line; polyfaas' and importlib's frames dropped), or ``""``."""
    import traceback

    from polyfaas._native import InstanceStartError
    from polyfaas._target import user_traceback
    from polyfaas.errors import HandlerImportError

    if isinstance(exc, InstanceStartError):
        return user_traceback(exc.failure.error.text)
    cause = exc.__cause__
    if isinstance(exc, HandlerImportError) and cause is not None:
        return "".join(traceback.format_exception(type(cause), cause, cause.__traceback__))
    return ""


def cmd_init(args: argparse.Namespace) -> int:
    from polyfaas.scaffold import init

    for path in init(args.folder, args.template, force=args.force):
        print(f"wrote {path}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    commands: dict[str, Callable[[argparse.Namespace], int]] = {
        "run": cmd_run,
        "invoke": cmd_invoke,
        "events": cmd_events,
        "serve": cmd_serve,
        "package": cmd_package,
        "init": cmd_init,
        "providers": lambda _: cmd_providers(),
        "routes": cmd_routes,
    }
    command = commands.get(args.command or "")
    if command is None:
        parser.print_help()
        return 2
    try:
        return int(command(args))
    except PolyfaasError as exc:
        sys.stderr.write(users_traceback(exc))
        if getattr(args, "debug", False):
            raise
        print(f"polyfaas: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
