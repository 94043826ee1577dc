"""Every example in ``examples/`` runs on every provider it claims (its ``PROVIDERS``).

Each case goes through the emulated platform for real (``polyfaas.testing``: the
platform's native event, context, limits and answers; FC custom-runtime instances are
real ``polyfaas serve`` processes), and a few go through ``polyfaas run`` itself.
Servers listen on 127.0.0.1 only and every wait is bounded.
"""

from __future__ import annotations

import ast
import functools
import json
import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest

from polyfaas import Context, Credentials, Event, EventType, providers
from polyfaas.platform import FunctionConfig, Loss
from polyfaas.runtime import load_target, parse_target
from polyfaas.storage._choose import provider_backend
from polyfaas.testing import client, invoke
from tests.storage import stand_ins
from tests.storage.stand_ins import KEY_ID, SECRET, TOKEN

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def http_only(provider: str) -> bool:
    """Whether the provider's front door takes HTTP requests only (an event handler
    behind it gets the request body as a direct event): its facts say."""
    return providers.platform_half(provider).facts.http_only


def no_path(provider: str) -> bool:
    """Whether the function sees no path on this provider (a documented loss)."""
    return Loss.NO_PATH in providers.platform_half(provider).facts.losses


def claimed(example: Path) -> tuple[str, ...]:
    """The providers of an example's ``PROVIDERS`` constant, read without importing
    it: a tuple of names, or ``"all"`` for every registered provider."""
    tree = ast.parse((example / "main.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "PROVIDERS" for t in node.targets
        ):
            value = ast.literal_eval(node.value)
            if value == "all":
                return tuple(providers.names())
            assert isinstance(value, tuple), f"{example.name}: PROVIDERS is {value!r}"
            return tuple(str(name) for name in value)
    raise AssertionError(f"{example / 'main.py'} has no PROVIDERS constant")


def example_dirs() -> list[Path]:
    return sorted(p for p in EXAMPLES.iterdir() if (p / "main.py").is_file())


def target(example: str, attr: str = "handler") -> str:
    return f"{EXAMPLES / example / 'main.py'}:{attr}"


@pytest.fixture(autouse=True)
def _isolated_imports() -> Iterator[None]:
    """Every example is a ``main.py``: keep sys.path and sys.modules as they were."""
    path, main = list(sys.path), sys.modules.get("main")
    yield
    sys.path[:] = path
    if main is None:
        sys.modules.pop("main", None)
    else:
        sys.modules["main"] = main


def json_of(answer: Any) -> Any:
    """The JSON body of a test client's response."""
    return json.loads(answer.data)


def body_value(provider: str, body: bytes) -> Any:
    """An event handler's return value as the provider's caller receives it."""
    if provider in {"yandex", "alibaba", "alibaba-custom", "container", "aws"}:
        return json.loads(body) if body[:1] in (b"{", b"[", b'"') else body.decode()
    return body.decode()


# -- hello_http ------------------------------------------------------------------------


def check_hello_http(provider: str) -> None:
    with client(target("hello_http"), provider) as http:
        answer = http.get("/?name=Ada")
    assert answer.status_code == 200
    assert answer.headers["Content-Type"] == "application/json"
    # The platform the function runs on (yandex-gateway's function runs on yandex).
    expected = providers.runtime_half(provider).cloud
    assert answer.json == {"hello": "Ada", "provider": expected}


# -- json_event (seed example 1) -------------------------------------------------------


def check_json_event(provider: str) -> None:
    if http_only(provider):
        with client(target("json_event"), provider) as http:
            answer = http.post("/", json={"key": "value"})
            assert (answer.status_code, answer.text) == (200, "value")
            refused = http.post("/", json=["no", "key"])
            # The platform's answer to a failed call (an HTTP API's is 500).
            failed = providers.platform_half(provider).facts.unhandled_status
            assert refused.status_code == failed
        return
    response = invoke(target("json_event"), {"key": "value"}, provider)
    assert response.status == 200
    # FC returns a str as its UTF-8 bytes; Yandex, a container and Lambda's Invoke API
    # answer every value as JSON.
    as_json = provider in ("yandex", "container", "aws")
    assert response.body == (b'"value"' if as_json else b"value")


# -- oss_upload (seed example 2) -------------------------------------------------------

PAYLOAD = {"bucket": "oss-example", "objectName": "oss-test-object", "message": "oss-test-content"}


@pytest.fixture
def oss_server() -> Iterator[tuple[str, dict[str, Any]]]:
    """The OSS stand-in (tests/storage/stand_ins.py: V1 signatures and the STS token
    checked), with the example's bucket."""
    with stand_ins.serving(stand_ins.OSSStandIn, buckets={"oss-example"}) as served:
        yield served


def run_upload(provider: str, config: FunctionConfig, payload: dict[str, Any]) -> None:
    """The portable example's call on ``provider``: it answers ``success``."""
    if http_only(provider):
        with client(target("oss_upload"), provider, config=config) as http:
            answer = http.post("/", json=payload)
        assert (answer.status_code, answer.text) == (200, "success")
    else:
        response = invoke(target("oss_upload"), payload, provider, config=config)
        assert response.status == 200, response.text
        assert body_value(provider, response.body) == "success"


def check_oss_upload(provider: str, oss: tuple[str, dict[str, Any]], folder: Path) -> None:
    # Under the test kit the object goes to the local folder, on every provider.
    local = FunctionConfig(
        handler="main.handler", environment={"POLYFAAS_STORAGE_DIR": str(folder)}
    )
    run_upload(provider, local, PAYLOAD)
    assert (folder / "oss-example" / "oss-test-object").read_bytes() == b"oss-test-content"
    cloud = providers.runtime_half(provider).cloud
    if provider_backend(cloud) is None:  # (a cloud that is no provider's name has none)
        return  # no store of its own: POLYFAAS_STORAGE=cloud has nothing to reach
    if cloud == "yandex":
        # POLYFAAS_STORAGE=cloud: Object Storage with the service account's IAM token.
        with stand_ins.serving(stand_ins.TokenStandIn) as (url, state):
            environment = {"POLYFAAS_STORAGE": "cloud", "AWS_ENDPOINT_URL_S3": url}
            config = FunctionConfig(
                handler="main.handler",
                environment=environment,
                credentials=Credentials(token=stand_ins.IAM_TOKEN),
            )
            run_upload(provider, config, PAYLOAD)
        assert state["objects"] == {"/oss-example/oss-test-object": b"oss-test-content"}
        return
    # POLYFAAS_STORAGE=cloud: OSS with the role's STS keys, signed and with the token.
    endpoint, state = oss
    creds = Credentials(access_key_id=KEY_ID, access_key_secret=SECRET, security_token=TOKEN)
    environment = {"POLYFAAS_STORAGE": "cloud", "OSS_ENDPOINT": endpoint}
    config = FunctionConfig(handler="main.handler", environment=environment, credentials=creds)
    run_upload(provider, config, PAYLOAD)
    assert state["objects"]["oss-example", "oss-test-object"]["data"] == b"oss-test-content"
    assert [(s["method"], s["signature"], s["token"]) for s in state["seen"]] == [
        ("PUT", True, True)
    ]


# -- external_command (seed example 3) -------------------------------------------------


def check_external_command(provider: str) -> None:
    if http_only(provider):
        with client(target("external_command"), provider) as http:
            answer = http.post("/")
        assert answer.status_code == 200
        listing = answer.text
    else:
        response = invoke(target("external_command"), None, provider)
        assert response.status == 200
        listing = body_value(provider, response.body)
    names = {line.split()[-1] for line in listing.splitlines() if line.startswith("-")}
    assert {"main.py", "README.md"} <= names


# -- http_echo (seed example 4) --------------------------------------------------------


def check_http_echo(provider: str) -> None:
    binary = bytes(range(256)) * 4
    with client(target("http_echo"), provider) as http:
        text = http.post("/echo", data="Hello fc3.0", content_type="text/plain")
        raw = http.post("/echo", data=binary, content_type="application/octet-stream")
    assert (text.status_code, text.data, text.mimetype) == (200, b"Hello fc3.0", "text/plain")
    assert (raw.status_code, raw.mimetype) == (200, "application/octet-stream")
    assert raw.data == binary


# -- flask_app -------------------------------------------------------------------------


def check_flask_app(provider: str) -> None:
    with client(target("flask_app"), provider) as http:
        index = http.get("/")
        http.set_cookie("visits", "2")
        first = http.get("/users/ada")
        second = http.get("/users/ada")
    assert (index.status_code, index.text) == (200, "Web App with Python Flask!")
    if no_path(provider):
        # A direct Yandex call has no path (and no cookies): every URL is "/".
        assert first.text == second.text == "Web App with Python Flask!"
        return
    assert first.json == {"name": "ada", "visits": 3, "url": "/users/ada"}
    assert first.headers["Set-Cookie"] == "visits=3; Path=/"
    assert json_of(second)["visits"] == 4  # the client sent back the cookie it was given


# -- fastapi_app -----------------------------------------------------------------------


def check_fastapi_app(provider: str) -> None:
    with client(target("fastapi_app"), provider) as http:
        first, second = http.get("/"), http.get("/")
        if no_path(provider):  # a direct Yandex call: every URL is "/"
            assert first.json == second.json == {"greeting": "hello", "startups": 1}
            return
        item = http.get("/items/7?q=x")
        invalid = http.get("/items/seven")
        created = http.post("/items", json={"name": "pen", "price": 1.5})
        done = http.get("/done")
        cookies = http.get("/cookies")
        moved = http.get("/old")
        binary = bytes(range(256))
        echoed = http.post("/echo", data=binary, content_type="application/octet-stream")
        streamed = http.get("/stream?n=4")
    # The lifespan ran once for the instance; its state reached every call.
    assert first.json == second.json == {"greeting": "hello", "startups": 1}
    assert item.json == {"item_id": 7, "q": "x"}
    assert invalid.status_code == 422
    assert json_of(invalid)["detail"][0]["loc"] == ["path", "item_id"]
    assert created.json == {"created": "pen", "price": 1.5}
    assert done.json == ["pen"]  # the background task finished before the next call
    both = ["first=1; Path=/; SameSite=lax", "second=2; Path=/; SameSite=lax"]
    if Loss.SET_COOKIE_JOINED in providers.platform_half(provider).facts.losses:
        assert cookies.headers.getlist("Set-Cookie") == [", ".join(both)]  # FC's result map
    else:
        assert cookies.headers.getlist("Set-Cookie") == both
    assert (moved.status_code, moved.headers["Location"]) == (301, "/items/1")
    assert (echoed.status_code, echoed.data) == (200, binary)
    assert streamed.text == "line 0\nline 1\nline 2\nline 3\n"


# -- django_app (in a process of its own: Django's settings are process-wide) -----------

DJANGO_PROBE = """
import json, sys
from polyfaas.testing import client
answers = {}
for provider in sys.argv[2:]:
    with client(sys.argv[1], provider) as http:
        answer = http.get("/hello/ada?q=1")
    answers[provider] = {"status": answer.status_code, "body": answer.text}
print(json.dumps(answers))
"""


DJANGO_PROVIDERS = claimed(EXAMPLES / "django_app")


@functools.cache
def django_answers() -> dict[str, Any]:
    """One process runs the Django example on every provider it claims."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            DJANGO_PROBE,
            target("django_app"),
            *claimed(EXAMPLES / "django_app"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        cwd=ROOT,
    )
    answers: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answers


def check_django_app(provider: str) -> None:
    answer = django_answers()[provider]
    if no_path(provider):
        assert answer["status"] == 404  # the path is lost; "/" has no route
        return
    assert answer["status"] == 200
    assert json.loads(answer["body"]) == {"hello": "ada", "q": ["1"], "url": "/hello/ada"}


# -- triggers --------------------------------------------------------------------------


def native_samples(provider: str) -> tuple[Any, Any, Any, Any]:
    """(timer event, its payload, storage event, (bucket, key)) from the provider's samples."""
    samples = providers.platform_half(provider).samples()
    if "oss" in samples:  # FC's documented samples
        timer, oss = samples["timer"], samples["oss"]
        record = oss["events"][0]["oss"]
        return timer, timer["payload"], oss, (record["bucket"]["name"], record["object"]["key"])
    if "s3-put" in samples:  # AWS's: an EventBridge schedule (no payload) and S3's record
        from urllib.parse import unquote_plus

        timer, s3 = samples["eventbridge-schedule"], samples["s3-put"]
        record = s3["Records"][0]["s3"]
        return timer, None, s3, (record["bucket"]["name"], unquote_plus(record["object"]["key"]))
    timer, storage = samples["timer"], samples["storage"]
    details = storage["messages"][0]["details"]
    payload = timer["messages"][0]["details"]["payload"]
    return timer, payload, storage, (details["bucket_id"], details["object_id"])


def one(value: Any) -> Any:
    """Yandex delivers triggers as a batch: a portable handler's values come back as a list."""
    if isinstance(value, list):
        assert len(value) == 1
        return value[0]
    return value


def check_triggers(provider: str) -> None:
    if provider == "local":
        timer = Event(type=EventType.TIMER, data="tick", source="cron")
        storage = Event(type=EventType.OBJECT_CREATED, source="photos", subject="a.jpg")
        payload, where = "tick", ("photos", "a.jpg")
    else:
        timer, payload, storage, where = native_samples(provider)
    ticked = invoke(target("triggers", "on_timer"), timer, provider)
    stored = invoke(target("triggers", "on_object"), storage, provider)
    assert (ticked.status, stored.status) == (200, 200), (ticked.text, stored.text)
    assert one(json.loads(ticked.body))["tick"] == payload
    bucket, key = where
    assert one(json.loads(stored.body)) == {"action": "created", "bucket": bucket, "key": key}
    # A timer's event is not a storage event: the handler refuses it, natively reported.
    refused = invoke(target("triggers", "on_object"), timer, provider)
    assert refused.status >= 400 or "ValueError" in refused.text


# -- custom_runtime --------------------------------------------------------------------


def check_custom_runtime(provider: str) -> None:
    with client(target("custom_runtime"), provider) as http:
        answer = http.get("/hello")
    assert answer.status_code == 200
    assert json_of(answer)["provider"] == providers.runtime_half(provider).cloud
    assert json_of(answer)["path"] == "/hello"
    if providers.platform_half(provider).facts.runs_server:
        # A server process of its own, and the platform's request id reached the function.
        assert json_of(answer)["pid"] != os.getpid()
        assert json_of(answer)["request_id"] == answer.headers["X-Fc-Request-Id"]


# -- async_handler ---------------------------------------------------------------------


def check_async_handler(provider: str) -> None:
    with client(target("async_handler"), provider) as http:
        answer = http.get("/?names=a,b,c")
    assert answer.status_code == 200
    assert answer.json == {"results": ["A", "B", "C"], "concurrent": True}


# -- init_hook -------------------------------------------------------------------------


def check_init_hook(provider: str) -> None:
    with client(target("init_hook"), provider) as http:
        first, second = http.get("/").json, http.get("/").json
    assert first == {"client": 1, "calls": 1}
    assert second == {"client": 1, "calls": 2}  # the same client, built once


CHECKS: dict[str, Callable[[str], None]] = {
    "hello_http": check_hello_http,
    "json_event": check_json_event,
    "external_command": check_external_command,
    "http_echo": check_http_echo,
    "flask_app": check_flask_app,
    "fastapi_app": check_fastapi_app,
    "django_app": check_django_app,
    "triggers": check_triggers,
    "custom_runtime": check_custom_runtime,
    "async_handler": check_async_handler,
    "init_hook": check_init_hook,
}
WITH_STORAGE = {"oss_upload": check_oss_upload}

CASES = [
    pytest.param(folder.name, provider, id=f"{folder.name}-{provider}")
    for folder in example_dirs()
    for provider in claimed(folder)
]


@pytest.mark.parametrize(("example", "provider"), CASES)
def test_example_on_provider(example: str, provider: str, request: pytest.FixtureRequest) -> None:
    if example in WITH_STORAGE:
        pytest.importorskip("oss2", reason="pip install 'polyfaas[alibaba]'")
        pytest.importorskip("boto3", reason="pip install 'polyfaas[yandex]'")
        folder = request.getfixturevalue("tmp_path")
        WITH_STORAGE[example](provider, request.getfixturevalue("oss_server"), folder)
        return
    CHECKS[example](provider)


def test_every_example_is_checked_and_documented() -> None:
    names = {folder.name for folder in example_dirs()}
    assert names == set(CHECKS) | set(WITH_STORAGE)
    known = set(providers.names())
    for folder in example_dirs():
        assert set(claimed(folder)) <= known, folder.name
        readme = (folder / "README.md").read_text(encoding="utf-8")
        for needed in ("polyfaas run", "polyfaas invoke", "s.yaml", "yc serverless function"):
            assert needed in readme, f"{folder.name}/README.md lacks {needed!r}"


# -- through the real runner -----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fetch(url: str, deadline: float) -> tuple[int, dict[str, str], bytes]:
    """GET ``url``, retrying until the server is up or ``deadline`` passes."""
    while True:
        try:
            with urllib.request.urlopen(url, timeout=10) as reply:
                return reply.status, dict(reply.headers), reply.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


def run_server(args: list[str], cwd: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    return subprocess.Popen(
        [sys.executable, "-m", "polyfaas", "run", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def stop(server: subprocess.Popen[bytes]) -> None:
    server.terminate()
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=10)


def test_hello_under_polyfaas_run_behind_the_yandex_gateway() -> None:
    port = free_port()
    server = run_server(
        ["--provider", "yandex-gateway", "--port", str(port), "main.py:handler"],
        EXAMPLES / "hello_http",
    )
    try:
        status, headers, body = fetch(
            f"http://127.0.0.1:{port}/any/path?name=Ada", time.monotonic() + 30
        )
    finally:
        stop(server)
    assert status == 200
    assert "X-Request-Id" in headers
    assert json.loads(body) == {"hello": "Ada", "provider": "yandex"}


BOOTSTRAP = ("--provider", "alibaba-custom", "--bootstrap", "./bootstrap")


def test_custom_runtime_bootstrap_under_polyfaas_run() -> None:
    port = free_port()
    server = run_server(
        [*BOOTSTRAP, "--port", str(port), "main.py:handler"],
        EXAMPLES / "custom_runtime",
    )
    try:
        status, headers, body = fetch(f"http://127.0.0.1:{port}/hi", time.monotonic() + 30)
    finally:
        stop(server)
    answer = json.loads(body)
    assert status == 200
    assert answer["provider"] == providers.runtime_half("alibaba-custom").cloud
    assert answer["path"] == "/hi"
    assert answer["request_id"] == headers["X-Fc-Request-Id"]


def test_local_context_is_canonical() -> None:
    """The examples' handlers are plain callables with canonical objects too."""
    sys.path.insert(0, str(EXAMPLES / "hello_http"))
    entry = load_target(parse_target(target("hello_http")))
    from polyfaas import Request

    answer = entry(Request("GET", "/", query="name=Ada"), Context(provider="local"))
    assert answer.json() == {"hello": "Ada", "provider": "local"}


def test_the_native_seed_writes_to_oss_and_the_stand_in_checks(
    oss_server: tuple[str, dict[str, Any]],
) -> None:
    """The seed (``seed.py``, oss2 itself) writes with the role's keys; the stand-in
    really checks: a wrong secret is refused (403)."""
    pytest.importorskip("oss2", reason="pip install 'polyfaas[alibaba]'")
    endpoint, state = oss_server
    seed = f"{EXAMPLES / 'oss_upload' / 'seed.py'}:handler"
    payload = {"endpoint": endpoint, "bucket": "oss-example", "objectName": "o", "message": "m"}
    right = Credentials(access_key_id=KEY_ID, access_key_secret=SECRET, security_token=TOKEN)
    done = invoke(seed, payload, "alibaba", config=FunctionConfig(credentials=right))
    assert (done.status, done.body) == (200, b"success")
    assert state["objects"]["oss-example", "o"]["data"] == b"m"
    wrong = Credentials(access_key_id=KEY_ID, access_key_secret="not-it", security_token=TOKEN)
    response = invoke(seed, payload, "local", config=FunctionConfig(credentials=wrong))
    assert response.status == 500  # the handler raised oss2's AccessDenied-like error
    assert [(s["signature"], s["token"]) for s in state["seen"]] == [(True, True), (False, True)]
