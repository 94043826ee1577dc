"""One contract for every ``polyfaas.storage`` backend, run on each of them for real.

- ``local``: the folder backend; its presigned URLs are fetched with ``requests`` from
  a real ``polyfaas run`` subprocess sharing the folder and the signing key;
- ``s3``: the Yandex provider's backend (boto3) against moto's S3 server on 127.0.0.1;
- ``oss``: the Alibaba provider's backend (oss2) against the OSS stand-in, which
  checks every request's V1 signature and STS token.

The costly cases (1,005 keys paged through, a 20 MB object) run once a backend.
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from polyfaas import Context, Credentials
from polyfaas.storage import AccessDenied, Bucket, InvalidKey, NotFound, StorageError, bucket
from polyfaas.storage._choose import open_bucket
from tests.storage import stand_ins
from tests.storage.stand_ins import KEY_ID, SECRET, TOKEN

ROOT = Path(__file__).resolve().parents[2]
HELLO = ROOT / "examples" / "hello_http" / "main.py"
SIGNING_KEY = "contract-suite-signing-key"
BUCKET = "contract-bucket"
UNICODE_KEYS = ["папка/файл ü 😀.txt", "with space/and+plus%25?#&=.bin", "a/b/c/d/e/f.txt"]


class Store:
    """One backend under test: how to open its buckets, and what its credentials are."""

    def __init__(self, kind: str, context: Context | None, environ: dict[str, str]) -> None:
        self.kind = kind
        self.context = context
        self.environ = environ
        self.secrets = [v for k, v in environ.items() if "SECRET" in k]
        if context is not None and context.credentials is not None:
            creds = context.credentials
            self.secrets += [creds.access_key_secret or "", creds.security_token or ""]
        self.secrets = [s for s in self.secrets if s]

    def bucket(self, name: str = BUCKET) -> Bucket:
        return open_bucket(name, self.context, self.environ)


def _wait_for(url: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            requests.get(url, timeout=5)
            return
        except requests.ConnectionError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.fixture(scope="module")
def local_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("storage")
    with __import__("socket").socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {
        **os.environ,
        "POLYFAAS_STORAGE_DIR": str(folder),
        "POLYFAAS_STORAGE_SECRET": SIGNING_KEY,
    }
    server = subprocess.Popen(
        [sys.executable, "-m", "polyfaas", "run", "--port", str(port), f"{HELLO}:handler"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/", server)
        yield Store(
            "local",
            None,
            {
                "POLYFAAS_STORAGE": "local",
                "POLYFAAS_STORAGE_DIR": str(folder),
                "POLYFAAS_STORAGE_URL": f"http://127.0.0.1:{port}/__polyfaas/storage",
                "POLYFAAS_STORAGE_SECRET": SIGNING_KEY,
            },
        )
    finally:
        server.terminate()
        server.wait(timeout=30)


@pytest.fixture(scope="module")
def s3_store() -> Iterator[Store]:
    pytest.importorskip("boto3", reason="pip install 'polyfaas[yandex]'")
    pytest.importorskip("moto", reason="the test extra's moto[server]")
    import boto3

    with stand_ins.moto_server() as url:
        environ = {
            "POLYFAAS_STORAGE": "cloud",
            "AWS_ENDPOINT_URL_S3": url,
            "AWS_ACCESS_KEY_ID": "YCAJE-example-key-id",
            "AWS_SECRET_ACCESS_KEY": "example-s3-secret",
        }
        client = boto3.client(
            "s3",
            endpoint_url=url,
            region_name="ru-central1",
            aws_access_key_id="x",
            aws_secret_access_key="y",
        )
        client.create_bucket(
            Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "ru-central1"}
        )
        client.close()  # its pooled socket, not left to the garbage collector
        yield Store("yandex", Context(provider="yandex"), environ)


@pytest.fixture(scope="module")
def oss_store() -> Iterator[Store]:
    pytest.importorskip("oss2", reason="pip install 'polyfaas[alibaba]'")
    with stand_ins.serving(stand_ins.OSSStandIn, buckets={BUCKET}) as (url, state):
        creds = Credentials(access_key_id=KEY_ID, access_key_secret=SECRET, security_token=TOKEN)
        context = Context(provider="alibaba", region="cn-hangzhou", credentials=creds)
        store = Store("alibaba", context, {"POLYFAAS_STORAGE": "cloud", "OSS_ENDPOINT": url})
        store.state = state  # type: ignore[attr-defined]
        yield store


@pytest.fixture(params=["local", "s3", "oss"])
def store(request: pytest.FixtureRequest) -> Store:
    found: Store = request.getfixturevalue(f"{request.param}_store")
    return found


# -- the contract --------------------------------------------------------------------------


def test_the_backend_is_the_one_chosen(store: Store) -> None:
    assert store.bucket().kind == store.kind


def test_put_get_head_keep_content_type_and_metadata(store: Store) -> None:
    b = store.bucket()
    b.put("docs/report.json", b'{"a": 1}', content_type="application/json", metadata={"By": "ci"})
    assert b.get("docs/report.json") == b'{"a": 1}'
    info = b.head("docs/report.json")
    assert (info.key, info.size, info.content_type) == ("docs/report.json", 8, "application/json")
    assert info.metadata == {"by": "ci"}
    assert info.etag.lower() == hashlib.md5(b'{"a": 1}').hexdigest()
    assert info.last_modified.tzinfo is not None
    b.put("docs/note.txt", "héllo")  # text: UTF-8, and says so
    assert b.get("docs/note.txt") == "héllo".encode()
    assert b.head("docs/note.txt").content_type == "text/plain; charset=utf-8"


def test_binary_content_and_unicode_keys(store: Store) -> None:
    b = store.bucket()
    binary = bytes(range(256)) * 16
    for key in UNICODE_KEYS:
        b.put(key, binary)
        assert b.get(key) == binary, key
        assert b.head(key).size == len(binary)
    listed = [info.key for info in b.list("with space/")]
    assert listed == ["with space/and+plus%25?#&=.bin"]


def test_open_streams_the_content(store: Store) -> None:
    b = store.bucket()
    content = os.urandom(300_000)
    b.put("stream/blob", io.BytesIO(content))  # from a binary file, too
    with b.open("stream/blob") as reader:
        first = reader.read(1000)
        rest = reader.read()
    assert first + rest == content


def test_list_is_in_key_order_with_the_prefix(store: Store) -> None:
    b = store.bucket()
    keys = ["order/b", "order/a-c", "order/a/b", "order/a", "orders/x"]
    keys.remove("order/a")  # a key cannot be both an object and a folder in the local store
    for key in keys:
        b.put(key, key)
    listed = [info.key for info in b.list("order/")]
    assert listed == sorted(k for k in keys if k.startswith("order/"))
    infos = {info.key: info for info in b.list("order/")}
    assert infos["order/b"].size == len("order/b")
    assert infos["order/b"].etag.lower() == hashlib.md5(b"order/b").hexdigest()


def test_delete_then_not_found(store: Store) -> None:
    b = store.bucket()
    b.put("gone/soon", b"x")
    b.delete("gone/soon")
    with pytest.raises(NotFound):
        b.get("gone/soon")
    with pytest.raises(NotFound):
        b.head("gone/soon")
    with pytest.raises(NotFound):
        b.open("gone/soon")
    b.delete("gone/soon")  # deleting what is not there is no error
    assert list(b.list("gone/")) == []


def test_a_missing_bucket_is_not_found(store: Store) -> None:
    with pytest.raises(NotFound):
        store.bucket("no-such-bucket").get("k")


def test_presigned_get_with_requests_and_tampering(store: Store) -> None:
    b = store.bucket()
    b.put("shared/photo.bin", b"\x00\xffpixels", content_type="image/png")
    url = b.url("shared/photo.bin", expires=600)
    answer = requests.get(url, timeout=30)
    assert (answer.status_code, answer.content) == (200, b"\x00\xffpixels")
    if store.kind != "yandex":  # moto's server checks no signature; the others do
        tampered = url.replace("photo.bin", "photo.bim")
        assert requests.get(tampered, timeout=30).status_code == 403


def test_keys_every_backend_refuses(store: Store) -> None:
    b = store.bucket()
    for key in ["", "/abs", "a/../b", "..", "a//b", "nul\x00", "\ud800", "back\\slash", "x" * 1025]:
        with pytest.raises(InvalidKey):
            b.put(key, b"x")


def test_no_credential_in_a_repr_or_a_log_line(
    store: Store, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        b = store.bucket()
        b.put("logged/k", b"v")
        b.get("logged/k")
        b.url("logged/k")
        with pytest.raises(NotFound):
            b.get("logged/missing")
    shown = [repr(b), repr(b.backend), caplog.text]
    for secret in store.secrets:
        assert all(secret not in text for text in shown), secret


# -- once a backend: the big cases -----------------------------------------------------


def test_paging_past_1000_keys_and_a_20_mb_object(store: Store) -> None:
    b = store.bucket()
    keys = [f"many/{n:05d}" for n in range(1005)]
    for key in keys:
        b.put(key, b"")
    assert [info.key for info in b.list("many/")] == keys
    big = os.urandom(20 * 1024 * 1024)
    b.put("big/object", big)
    assert b.head("big/object").size == len(big)
    digest = hashlib.sha256()
    with b.open("big/object") as reader:
        while chunk := reader.read(1024 * 1024):
            digest.update(chunk)
    assert digest.digest() == hashlib.sha256(big).digest()
    assert b.get("big/object") == big


# -- backend-specific points ---------------------------------------------------------------


def test_local_expired_url_is_refused(local_store: Store) -> None:
    from polyfaas.storage._local import signature

    b = local_store.bucket()
    b.put("late/k", b"v")
    url = b.url("late/k", expires=60)
    past = int(time.time()) - 10
    base = url.split("?")[0]
    expired = (
        f"{base}?X-Polyfaas-Expires={past}&X-Polyfaas-Method=GET&X-Polyfaas-Signature="
        + signature(SIGNING_KEY, "GET", BUCKET, "late/k", past)
    )
    assert requests.get(expired, timeout=30).status_code == 403
    assert requests.get(url, timeout=30).status_code == 200


def test_local_presigned_put(local_store: Store) -> None:
    b = local_store.bucket()
    url = b.url("uploads/u.txt", method="PUT")
    answer = requests.put(url, data=b"sent", headers={"Content-Type": "text/x"}, timeout=30)
    assert answer.status_code == 200
    assert b.get("uploads/u.txt") == b"sent"
    assert b.head("uploads/u.txt").content_type == "text/x"
    # Signed for PUT: no good for a GET.
    assert requests.get(url, timeout=30).status_code == 403


def test_oss_wrong_secret_is_access_denied(oss_store: Store) -> None:
    wrong = Credentials(access_key_id=KEY_ID, access_key_secret="not-it", security_token=TOKEN)
    context = Context(provider="alibaba", region="cn-hangzhou", credentials=wrong)
    with pytest.raises(AccessDenied):
        open_bucket(BUCKET, context, oss_store.environ).put("k", b"v")
    seen = oss_store.state["seen"][-1]  # type: ignore[attr-defined]
    assert (seen["signature"], seen["token"]) == (False, True)


def test_oss_requests_carry_the_sts_token(oss_store: Store) -> None:
    oss_store.bucket().put("token/k", b"v")
    seen = oss_store.state["seen"][-1]  # type: ignore[attr-defined]
    assert seen == {
        "method": "PUT",
        "bucket": BUCKET,
        "key": "token/k",
        "signature": True,
        "token": True,
    }


def test_yandex_iam_token_without_static_keys() -> None:
    pytest.importorskip("boto3", reason="pip install 'polyfaas[yandex]'")
    with stand_ins.serving(stand_ins.TokenStandIn) as (url, state):
        creds = Credentials(token=stand_ins.IAM_TOKEN)
        context = Context(provider="yandex", credentials=creds)
        environ = {"POLYFAAS_STORAGE": "cloud", "AWS_ENDPOINT_URL_S3": url}
        b = open_bucket("token-bucket", context, environ)
        b.put("k.txt", b"by token")
        assert b.get("k.txt") == b"by token"
        assert state["seen"][0]["token"] == stand_ins.IAM_TOKEN
        assert state["seen"][0]["authorization"] is None  # unsigned: the token is the proof
        with pytest.raises(StorageError, match="static key"):
            b.url("k.txt")
        wrong = Context(provider="yandex", credentials=Credentials(token="t1.wrong"))
        with pytest.raises(AccessDenied):
            open_bucket("token-bucket", wrong, environ).get("k.txt")
    assert stand_ins.IAM_TOKEN not in repr(b) + repr(b.backend)


def test_no_credentials_is_access_denied_naming_the_fix() -> None:
    pytest.importorskip("boto3", reason="pip install 'polyfaas[yandex]'")
    with pytest.raises(AccessDenied, match="service account"):
        open_bucket("b-1", Context(provider="yandex"), {"POLYFAAS_STORAGE": "cloud"})
    pytest.importorskip("oss2", reason="pip install 'polyfaas[alibaba]'")
    with pytest.raises(AccessDenied, match="role"):
        open_bucket("b-1", Context(provider="alibaba", region="cn-beijing"), {})


def test_the_default_store_follows_the_context(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setenv("POLYFAAS_STORAGE_DIR", str(tmp_path))
    monkeypatch.delenv("POLYFAAS_STORAGE", raising=False)
    assert bucket("photos").kind == "local"
    assert bucket("photos", Context(provider="local")).kind == "local"
    monkeypatch.setenv("POLYFAAS_STORAGE", "local")
    assert bucket("photos", Context(provider="yandex")).kind == "local"
    monkeypatch.setenv("POLYFAAS_STORAGE", "cloud")
    with pytest.raises(StorageError, match="no object store of its own"):
        bucket("photos", Context(provider="local"))
    monkeypatch.setenv("POLYFAAS_STORAGE", "everywhere")
    with pytest.raises(StorageError, match="POLYFAAS_STORAGE"):
        bucket("photos")
    with pytest.raises(ValueError, match="bucket name"):
        bucket("Not_A_Bucket")
