"""Per-call overhead (section 2) and the 1 MiB binary body (section 3).

    python -m bench.percall [--repeat R] [--quick]

Every case is a whole native call into the deployed entry (``entry(event, context)``:
detection, decode, the handler, encode), timed timeit-style: ``repeat`` rounds, the
cases interleaved in each round, each round ``number`` calls; the figure is the median
per-call time over the rounds. Ratios are to the floor measured in the same rounds.
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import base64
import importlib
import json
import os
import statistics
import sys
import timeit
from typing import Any, Callable

import polyfaas
from bench import events

Case = Callable[[], Any]


def call_of(function: Callable[..., Any], *args: Any) -> Case:
    """``function(*args)`` as a case."""
    return lambda: function(*args)


def optional(module: str) -> Any:
    """A peer's module from the bench environment, or ``None`` when not installed."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def with_parser(parser: Any, case: Case) -> Case:
    """``case`` with the FC runtime half parsing through ``parser`` (orjson's ``loads``:
    the ``polyfaas[fast]`` extra) or the standard library (``None``), whatever is
    installed: both installs are measured in one run. Setting the adapter's one parser
    slot costs a dict store a call (~50 instructions)."""
    from polyfaas_alibaba import fastjson

    slot = fastjson._PARSER

    def call() -> Any:
        slot["loads"] = parser
        return case()

    return call


def _entry(kind: str) -> Any:
    if kind == "wsgi":
        return polyfaas.wsgi(events.wsgi_app)
    return polyfaas.http(events.handler.handler)


#: case → why it is not measured (a peer that is not installed), for the report.
MISSING: dict[str, str] = {}


def alibaba_cases(cases: dict[str, tuple[Case, str]]) -> None:
    """The FC HTTP-trigger cases, with the standard library's parser and with orjson's."""
    call = events.native_call("alibaba")
    os.environ.update(call.environ)
    raw, context = call.args
    floor = f"json.loads, FC HTTP-trigger event ({len(raw)} B)"
    cases[floor] = (call_of(json.loads, raw), floor)
    for kind in ("portable", "wsgi"):
        entry = _entry(kind)
        entry(raw, context)
        cases[f"alibaba, {kind} handler, bytes in"] = (
            with_parser(None, call_of(entry, raw, context)),
            floor,
        )
    orjson_loads = getattr(optional("orjson"), "loads", None)
    fast_case = "alibaba, portable handler, bytes in, with polyfaas[fast]"
    if orjson_loads is not None:
        entry = _entry("portable")
        cases[fast_case] = (with_parser(orjson_loads, call_of(entry, raw, context)), floor)
        cases[fast_case][0]()
    else:
        MISSING[fast_case] = (
            "orjson is not installed (python -m bench installs it into bench/.venv)"
        )


def per_call_cases() -> dict[str, tuple[Case, str]]:
    """name → (case, name of its floor)."""
    cases: dict[str, tuple[Case, str]] = {}
    for provider in ("yandex", "yandex-gateway"):
        call = events.native_call(provider)
        os.environ.update(call.environ)  # the instance's environment, as in the cloud
        event, context = call.args
        raw = events.event_json(call)
        floor = f"json.loads, {provider} event ({len(raw)} B)"
        cases[floor] = (call_of(json.loads, raw), floor)
        for kind in ("portable", "wsgi"):
            entry = _entry(kind)
            entry(event, context)  # first call: detection cached, imports done
            cases[f"{provider}, {kind} handler, dict in/out"] = (
                call_of(entry, event, context),
                floor,
            )
        flask = events.flask_app()
        if provider == "yandex" and flask is not None:
            entry = polyfaas.wsgi(flask)
            assert entry(event, context)["statusCode"] == 200
            cases["yandex, Flask app via polyfaas.wsgi, dict in/out"] = (
                call_of(entry, event, context),
                floor,
            )
        elif provider == "yandex":
            MISSING["yandex, Flask app via polyfaas.wsgi, dict in/out"] = "flask is not installed"
        if provider == "yandex":
            asgi_cases(cases, event, context, floor)
    alibaba_cases(cases)
    aws = events.aws_v1_event()
    aws_raw = json.dumps(aws).encode()
    floor = f"json.loads, AWS API GW v1 event ({len(aws_raw)} B)"
    cases[floor] = (call_of(json.loads, aws_raw), floor)
    lambda_context = events.LambdaContext()
    apig_wsgi = optional("apig_wsgi")
    flask = events.flask_app()
    if apig_wsgi is not None:
        apig = apig_wsgi.make_lambda_handler(events.wsgi_app)
        apig(aws, lambda_context)
        cases["apig-wsgi, WSGI app, dict in/out"] = (call_of(apig, aws, lambda_context), floor)
        if flask is not None:
            apig_flask = apig_wsgi.make_lambda_handler(flask)
            assert apig_flask(aws, lambda_context)["statusCode"] == 200
            cases["apig-wsgi, Flask app, dict in/out"] = (
                call_of(apig_flask, aws, lambda_context),
                floor,
            )
    else:
        MISSING["apig-wsgi, Flask app, dict in/out"] = (
            "apig-wsgi is not installed here (python -m bench installs it into bench/.venv)"
        )
    if flask is None:
        MISSING["apig-wsgi, Flask app, dict in/out"] = "flask is not installed"
    mangum_cases(cases, aws, lambda_context, floor)
    aws_cases(cases, aws, lambda_context, floor)
    return cases


def mangum_cases(
    cases: dict[str, tuple[Case, str]], aws: Any, lambda_context: Any, floor: str
) -> None:
    """Mangum with the bare ASGI app and with the FastAPI app, on the AWS v1 event.

    ``lifespan="off"``: Mangum's default (``auto``) runs the app's whole lifespan,
    startup and shutdown, inside every call (its ``LifespanCycle``), where
    ``polyfaas.asgi`` runs it once per instance; off is Mangum's cheapest call, so the
    ratio to it is not made easier (the scope then has no ``state``, ours has the
    lifespan's)."""
    mangum_module = optional("mangum")
    if mangum_module is not None:
        mangum = mangum_module.Mangum(events.asgi_app, lifespan="off")
        mangum(aws, lambda_context)
        cases["Mangum, ASGI app, dict in/out"] = (call_of(mangum, aws, lambda_context), floor)
        fastapi = events.fastapi_app()
        if fastapi is not None:
            mangum_fastapi = mangum_module.Mangum(fastapi, lifespan="off")
            assert mangum_fastapi(aws, lambda_context)["statusCode"] == 200
            cases["Mangum, FastAPI app, dict in/out"] = (
                call_of(mangum_fastapi, aws, lambda_context),
                floor,
            )
        else:
            MISSING["Mangum, FastAPI app, dict in/out"] = "fastapi is not installed"
    else:
        for name in ("Mangum, ASGI app, dict in/out", "Mangum, FastAPI app, dict in/out"):
            MISSING[name] = "mangum is not installed here (python -m bench installs it)"


#: (polyfaas's case, the peer's case): the same app on the same AWS event (issue 19).
AWS_PEERS = (
    ("aws-gateway, Flask app via polyfaas.wsgi, v1 event", "apig-wsgi, Flask app, dict in/out"),
    ("aws-http, Flask app via polyfaas.wsgi, v2 event", "apig-wsgi, Flask app, v2 event"),
    ("aws-gateway, ASGI app via polyfaas.asgi, v1 event", "Mangum, ASGI app, dict in/out"),
    ("aws-http, ASGI app via polyfaas.asgi, v2 event", "Mangum, ASGI app, v2 event"),
    ("aws-gateway, FastAPI app via polyfaas.asgi, v1 event", "Mangum, FastAPI app, dict in/out"),
)


def aws_cases(
    cases: dict[str, tuple[Case, str]], aws: Any, lambda_context: Any, floor: str
) -> None:
    """polyfaas on AWS itself, next to the peers: the Flask, bare ASGI and FastAPI apps
    on the very events apig-wsgi and Mangum get (REST v1 and HTTP API v2), detected as
    in Lambda (the context's function ARN), so the ratio is adapter to adapter."""
    v2 = events.aws_v2_event()
    apps: dict[str, Any] = {"Flask": events.flask_app(), "ASGI": events.asgi_app}
    apps["FastAPI"] = events.fastapi_app()
    for name, app in apps.items():
        if app is None:
            continue
        wrap = polyfaas.wsgi if name == "Flask" else polyfaas.asgi
        style = "polyfaas.wsgi" if name == "Flask" else "polyfaas.asgi"
        for door, event, version in (("aws-gateway", aws, "v1"), ("aws-http", v2, "v2")):
            entry = wrap(app)
            assert entry(event, lambda_context)["statusCode"] == 200
            case = f"{door}, {name} app via {style}, {version} event"
            cases[case] = (call_of(entry, event, lambda_context), floor)
    apig_wsgi = optional("apig_wsgi")
    if apig_wsgi is not None and apps["Flask"] is not None:
        apig = apig_wsgi.make_lambda_handler(apps["Flask"])
        assert apig(v2, lambda_context)["statusCode"] == 200
        cases["apig-wsgi, Flask app, v2 event"] = (call_of(apig, v2, lambda_context), floor)
    mangum_module = optional("mangum")
    if mangum_module is not None:
        mangum = mangum_module.Mangum(events.asgi_app, lifespan="off")
        assert mangum(v2, lambda_context)["statusCode"] == 200
        cases["Mangum, ASGI app, v2 event"] = (call_of(mangum, v2, lambda_context), floor)
    for mine, peer in AWS_PEERS:
        for name in (mine, peer):
            if name not in cases and name not in MISSING:
                MISSING[name] = "its app or peer is not installed (python -m bench installs them)"


def asgi_cases(cases: dict[str, tuple[Case, str]], event: Any, context: Any, floor: str) -> None:
    """The bare ASGI app and the FastAPI app through ``polyfaas.asgi`` on the Yandex
    event (Mangum's twins are on the equal AWS event)."""
    entry = polyfaas.asgi(events.asgi_app)
    assert entry(event, context)["statusCode"] == 200
    cases["yandex, ASGI app via polyfaas.asgi, dict in/out"] = (
        call_of(entry, event, context),
        floor,
    )
    fastapi = events.fastapi_app()
    if fastapi is None:
        MISSING["yandex, FastAPI app via polyfaas.asgi, dict in/out"] = "fastapi is not installed"
        return
    entry = polyfaas.asgi(fastapi)
    assert entry(event, context)["statusCode"] == 200
    cases["yandex, FastAPI app via polyfaas.asgi, dict in/out"] = (
        call_of(entry, event, context),
        floor,
    )


def echo(request: polyfaas.Request, context: polyfaas.Context) -> polyfaas.Response:
    return polyfaas.Response(200, {"Content-Type": "application/octet-stream"}, request.body)


def b64_round_trip(encoded: str) -> str:
    return base64.b64encode(base64.b64decode(encoded)).decode("ascii")


def fc_floor_call(raw: bytes) -> str:
    return b64_round_trip(json.loads(raw)["body"])


def body_cases() -> dict[str, tuple[Case, str]]:
    """1 MiB of random bytes in and the same bytes back, base64 both ways."""
    data = os.urandom(1 << 20)
    cases: dict[str, tuple[Case, str]] = {}
    call = events.native_call("yandex-gateway", data, "application/octet-stream")
    event, context = call.args
    floor = "floor: b64decode + b64encode of 1 MiB"
    encoded = event["body"]
    cases[floor] = (call_of(b64_round_trip, encoded), floor)
    entry = _entry("portable")
    entry.handler = echo
    assert base64.b64decode(entry(event, context)["body"]) == data
    cases["yandex-gateway, 1 MiB binary echo"] = (call_of(entry, event, context), floor)
    call = events.native_call("alibaba", data, "application/octet-stream")
    raw, fc_context = call.args
    fc_floor = "floor: json.loads + b64decode + b64encode (FC event, 1 MiB)"
    cases[fc_floor] = (call_of(fc_floor_call, raw), fc_floor)
    fc_entry = _entry("portable")
    fc_entry.handler = echo
    assert base64.b64decode(fc_entry(raw, fc_context)["body"]) == data
    cases["alibaba, 1 MiB binary echo"] = (call_of(fc_entry, raw, fc_context), fc_floor)
    return cases


def measure(cases: dict[str, tuple[Case, str]], repeat: int, budget_s: float) -> dict[str, Any]:
    numbers = {}
    for name, (case, _) in cases.items():
        number, took = timeit.Timer(case).autorange()
        # Rounds of about ``budget_s / repeat / len(cases)`` seconds each.
        per_call = took / number
        numbers[name] = max(1, int(budget_s / repeat / len(cases) / per_call))
    samples: dict[str, list[float]] = {name: [] for name in cases}
    for _ in range(repeat):
        for name, (case, _) in cases.items():
            timer = timeit.Timer(case)
            samples[name].append(timer.timeit(numbers[name]) / numbers[name])
    results: dict[str, Any] = {}
    for name, (_, floor) in cases.items():
        median = statistics.median(samples[name])
        floor_median = statistics.median(samples[floor])
        results[name] = {
            "us": median * 1e6,
            "floor": floor,
            "ratio": median / floor_median,
            "calls": numbers[name] * repeat,
        }
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--seconds", type=float, default=20.0, help="time budget per section")
    parser.add_argument("--section", choices=("percall", "body", "both"), default="both")
    args = parser.parse_args()
    out: dict[str, Any] = {}
    if args.section in ("percall", "both"):
        out["percall"] = measure(per_call_cases(), args.repeat, args.seconds)
        out["missing"] = MISSING
    if args.section in ("body", "both"):
        out["body"] = measure(body_cases(), args.repeat, args.seconds)
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
