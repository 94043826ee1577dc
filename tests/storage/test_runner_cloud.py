"""``POLYFAAS_STORAGE=cloud`` under a real ``polyfaas run``: the emulated provider's own
store (Object Storage through boto3, here moto's S3 server on 127.0.0.1), reached with
the function's ``--env`` settings; without it the runner keeps objects in the folder."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from tests.storage import stand_ins

HANDLER = """
import polyfaas
from polyfaas import storage

@polyfaas.http
def handler(request, context):
    b = storage.bucket("runner-bucket", context)
    b.put("from/runner.txt", request.body)
    return {"kind": b.kind, "back": b.get("from/runner.txt").decode()}
"""

SHARE_URL = """
import polyfaas
from polyfaas import storage

@polyfaas.http
def handler(request, context):
    b = storage.bucket("runner-bucket", context)
    b.put("shared.txt", request.body)
    return {"url": b.url("shared.txt")}
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def post_when_up(url: str, body: bytes, server: subprocess.Popen[bytes]) -> requests.Response:
    deadline = time.monotonic() + 60
    while True:
        try:
            return requests.post(url, data=body, timeout=30)
        except requests.ConnectionError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[tuple[Path, list[subprocess.Popen[bytes]]]]:
    (tmp_path / "main.py").write_text(HANDLER, encoding="utf-8")
    started: list[subprocess.Popen[bytes]] = []
    yield tmp_path, started
    for server in started:
        server.terminate()
        server.wait(timeout=30)


def start(
    folder: Path, started: list[subprocess.Popen[bytes]], port: int, *args: str, **env: str
) -> subprocess.Popen[bytes]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("POLYFAAS_STORAGE")}
    server = subprocess.Popen(
        [sys.executable, "-m", "polyfaas", "run", "--port", str(port), *args, "main.py:handler"],
        cwd=folder,
        env={**environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    started.append(server)
    return server


def test_the_runner_keeps_objects_in_the_functions_folder(runner) -> None:
    folder, started = runner
    port = free_port()
    server = start(folder, started, port, "--provider", "yandex-gateway")
    answer = post_when_up(f"http://127.0.0.1:{port}/", b"local bytes", server)
    assert answer.json() == {"kind": "local", "back": "local bytes"}
    stored = folder / ".polyfaas" / "storage" / "runner-bucket" / "from" / "runner.txt"
    assert stored.read_bytes() == b"local bytes"


def test_cloud_mode_under_the_runner_uses_the_providers_store(runner) -> None:
    pytest.importorskip("boto3", reason="pip install 'polyfaas[yandex]'")
    pytest.importorskip("moto", reason="the test extra's moto[server]")
    import boto3

    folder, started = runner
    with stand_ins.moto_server() as url:
        s3 = boto3.client(
            "s3",
            endpoint_url=url,
            region_name="ru-central1",
            aws_access_key_id="x",
            aws_secret_access_key="y",
        )
        s3.create_bucket(
            Bucket="runner-bucket",
            CreateBucketConfiguration={"LocationConstraint": "ru-central1"},
        )
        port = free_port()
        settings = [
            f"AWS_ENDPOINT_URL_S3={url}",
            "AWS_ACCESS_KEY_ID=YCAJE-runner",
            "AWS_SECRET_ACCESS_KEY=runner-secret",
        ]
        env_args = [arg for setting in settings for arg in ("--env", setting)]
        server = start(
            folder,
            started,
            port,
            "--provider",
            "yandex-gateway",
            *env_args,
            POLYFAAS_STORAGE="cloud",
        )
        answer = post_when_up(f"http://127.0.0.1:{port}/", b"cloud bytes", server)
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"kind": "yandex", "back": "cloud bytes"}
        stored = s3.get_object(Bucket="runner-bucket", Key="from/runner.txt")["Body"].read()
        s3.close()  # its pooled socket, not left to the garbage collector
    assert stored == b"cloud bytes"
    assert not (folder / ".polyfaas").exists()


def test_a_relative_folder_of_the_functions_own_is_its_folders(tmp_path: Path) -> None:
    """``--env POLYFAAS_STORAGE_DIR=data`` is read where the instances run (the
    function's folder), by them and by the runner serving the folder's URLs alike."""
    function, elsewhere = tmp_path / "fn", tmp_path / "elsewhere"
    function.mkdir()
    elsewhere.mkdir()
    (function / "main.py").write_text(SHARE_URL, encoding="utf-8")
    port = free_port()
    environ = {k: v for k, v in os.environ.items() if not k.startswith("POLYFAAS_STORAGE")}
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "polyfaas",
            "run",
            "--port",
            str(port),
            "--env",
            "POLYFAAS_STORAGE_DIR=data",
            f"{function / 'main.py'}:handler",
        ],
        cwd=elsewhere,
        env=environ,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        url = post_when_up(f"http://127.0.0.1:{port}/", b"served", server).json()["url"]
        fetched = requests.get(url, timeout=30)
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert (fetched.status_code, fetched.content) == (200, b"served")
    assert (function / "data" / "runner-bucket" / "shared.txt").read_bytes() == b"served"
    assert not (elsewhere / "data").exists()
