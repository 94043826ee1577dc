"""The folder backend's own rules: hostile keys (hypothesis), the files it leaves, and
what is imported when; and ``object_of`` on every provider's storage events."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from polyfaas import Event, EventType, providers
from polyfaas.storage import InvalidKey, ObjectRef, StorageError, check_key, object_of
from polyfaas.storage._choose import open_bucket
from polyfaas.testing import invoke

ROOT = Path(__file__).resolve().parents[2]

segments = st.text(
    alphabet=st.characters(codec="utf-8", exclude_characters="/\\\x00"), min_size=1, max_size=8
)
hostile = st.one_of(
    st.just(""),
    st.builds(lambda k: "/" + k, segments),
    st.builds(lambda a, b: f"{a}/../{b}", segments, segments),
    st.builds(lambda a: f"{a}/..", segments),
    st.builds(lambda a: f"./{a}", segments),
    st.builds(lambda a, b: f"{a}//{b}", segments, segments),
    st.builds(lambda a, b: f"{a}\x00{b}", segments, segments),
    st.builds(lambda a: f"{a}\ud800", segments),
    st.builds(lambda a: f"{a}\\..\\x", segments),
    st.builds(lambda a: f"{a}/", segments),
)


@settings(max_examples=150, deadline=None)
@given(key=st.text(max_size=40))
def test_every_key_is_refused_or_stays_inside_its_bucket(tmp_path_factory, key: str) -> None:
    root = tmp_path_factory.mktemp("keys")
    b = open_bucket("keys", None, {"POLYFAAS_STORAGE": "local", "POLYFAAS_STORAGE_DIR": str(root)})
    try:
        check_key(key)
    except InvalidKey:
        with pytest.raises(InvalidKey):
            b.put(key, b"x")
        assert not any(root.rglob("*")) or all(p.is_dir() for p in root.rglob("*"))
        return
    b.put(key, b"x")
    stored = [p for p in (root / "keys").rglob("*") if p.is_file()]
    assert len(stored) == 1
    assert stored[0].resolve().is_relative_to((root / "keys").resolve())
    assert stored[0].relative_to(root / "keys").as_posix() == key
    assert [info.key for info in b.list()] == [key]
    assert b.get(key) == b"x"


@settings(max_examples=150, deadline=None)
@given(key=hostile)
def test_hostile_keys_are_refused_with_one_clear_line(key: str) -> None:
    with pytest.raises(InvalidKey) as refused:
        check_key(key)
    assert "\n" not in str(refused.value)
    assert isinstance(refused.value, ValueError)
    assert isinstance(refused.value, StorageError)


def test_an_object_and_a_folder_of_the_same_name(tmp_path: Path) -> None:
    b = open_bucket("b-1", None, {"POLYFAAS_STORAGE_DIR": str(tmp_path)})
    b.put("a", b"file")
    with pytest.raises(StorageError, match=r"path is an object"):
        b.put("a/b", b"x")
    b.put("c/d", b"x")
    with pytest.raises(StorageError, match="cannot be an object too"):
        b.put("c", b"x")
    assert sorted(i.key for i in b.list()) == ["a", "c/d"]


def test_sidecars_and_partial_writes_are_never_objects(tmp_path: Path) -> None:
    b = open_bucket("b-1", None, {"POLYFAAS_STORAGE_DIR": str(tmp_path)})
    b.put("x/y.json", b"{}", metadata={"k": "v"})
    b.put("x/y.json.meta", b"")  # a key shaped like a sidecar is an object like any other
    assert [i.key for i in b.list()] == ["x/y.json", "x/y.json.meta"]
    assert b.head("x/y.json").metadata == {"k": "v"}
    assert sorted(p.name for p in tmp_path.iterdir()) == [".meta", ".tmp", "b-1"]
    assert list((tmp_path / ".tmp").iterdir()) == []  # every write renamed into place
    b.delete("x/y.json")
    b.delete("x/y.json.meta")
    assert not (tmp_path / "b-1" / "x").exists()  # emptied folders go with the objects


def test_urls_of_the_folder_need_the_runner(tmp_path: Path) -> None:
    b = open_bucket("b-1", None, {"POLYFAAS_STORAGE_DIR": str(tmp_path)})
    b.put("k", b"v")
    with pytest.raises(StorageError, match="served by `polyfaas run`"):
        b.url("k")
    with pytest.raises(ValueError, match="expires"):
        b.url("k", expires=0)
    with pytest.raises(ValueError, match="method"):
        b.url("k", method="POST")


def test_storage_and_its_sdks_load_only_with_the_first_bucket() -> None:
    script = """
import json, sys
import polyfaas
from polyfaas import Context, Credentials
before = sorted(m for m in sys.modules if m.startswith(("polyfaas.storage", "oss2", "boto")))
from polyfaas import storage
creds = Credentials(access_key_id="STS.k", access_key_secret="s", security_token="t")
storage.bucket("b-1", Context(provider="alibaba", region="cn-hangzhou", credentials=creds))
after = sorted(m for m in sys.modules if m.startswith(("oss2", "boto", "polyfaas_yandex")))
print(json.dumps([before, after]))
"""
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": f"{ROOT}:{ROOT / 'adapters'}"},
        timeout=120,
    )
    before, after = json.loads(done.stdout.splitlines()[-1])
    assert before == []
    assert "oss2" in after
    assert not [m for m in after if m.startswith(("boto", "polyfaas_yandex"))]


def test_a_missing_sdk_is_one_line_naming_the_extra(tmp_path: Path) -> None:
    script = """
import sys
sys.modules["boto3"] = None  # as if the extra were not installed
from polyfaas import Context, Credentials, storage
try:
    storage.bucket("b-1", Context(provider="yandex", credentials=Credentials(token="t1.x")))
except ImportError as exc:
    print(exc)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip().splitlines() == [
        "polyfaas.storage on Yandex needs boto3: pip install 'polyfaas[yandex]'"
    ]


# -- object_of ---------------------------------------------------------------------------


def test_object_of_a_portable_event() -> None:
    created = Event(type=EventType.OBJECT_CREATED, source="photos", subject="in/a.jpg")
    assert object_of(created) == ObjectRef("photos", "in/a.jpg")
    deleted = Event(type=EventType.OBJECT_DELETED, source="photos", subject="b")
    assert object_of(deleted).key == "b"
    with pytest.raises(ValueError, match=r"polyfaas\.timer"):
        object_of(Event(type=EventType.TIMER))


OBJECT_OF = """
import polyfaas
from polyfaas import storage

@polyfaas.event
def handler(event, context):
    where = storage.object_of(event, context)
    return {"bucket": where.bucket, "key": where.key}
"""


@pytest.mark.parametrize("provider", ["alibaba", "yandex"])
def test_object_of_each_providers_documented_storage_event(provider: str, tmp_path: Path) -> None:
    (tmp_path / "main.py").write_text(OBJECT_OF, encoding="utf-8")
    samples = providers.platform_half(provider).samples()
    if provider == "alibaba":
        native = samples["oss"]
        record = native["events"][0]["oss"]
        expected = {"bucket": record["bucket"]["name"], "key": record["object"]["key"]}
    else:
        native = samples["storage"]
        details = native["messages"][0]["details"]
        expected = {"bucket": details["bucket_id"], "key": details["object_id"]}
    response = invoke(f"{tmp_path / 'main.py'}:handler", native, provider)
    assert response.status == 200, response.text
    answer = json.loads(response.body)
    assert (answer[0] if isinstance(answer, list) else answer) == expected


SHARE = """
import polyfaas
from polyfaas import storage

@polyfaas.http
def handler(request, context):
    b = storage.bucket("shared", context)
    b.put("note.txt", request.body, content_type="text/plain")
    return {"kind": b.kind, "url": b.url("note.txt", expires=60)}
"""


@pytest.mark.parametrize("provider", ["local", "alibaba", "yandex-gateway"])
def test_the_test_kit_keeps_objects_locally_and_serves_their_urls(
    provider: str, tmp_path: Path
) -> None:
    from polyfaas.testing import client

    (tmp_path / "main.py").write_text(SHARE, encoding="utf-8")
    with client(f"{tmp_path / 'main.py'}:handler", provider) as http:
        answer = http.post("/", data=b"kept here")
        assert answer.status_code == 200, answer.text
        shared = answer.get_json()
        assert shared["kind"] == "local"
        url = shared["url"]
        assert url.startswith("http://localhost/__polyfaas/storage/shared/note.txt?")
        fetched = http.get(url)
        assert (fetched.status_code, fetched.data) == (200, b"kept here")
        assert fetched.headers["Content-Type"] == "text/plain"
        assert http.get(url.replace("note.txt", "other.txt")).status_code == 403
        folder = Path(http.config.environment["POLYFAAS_STORAGE_DIR"])
        assert (folder / "shared" / "note.txt").read_bytes() == b"kept here"
    assert not folder.exists()  # the client's own folder goes with it
