"""Servers on 127.0.0.1 that the storage tests (and the examples' tests) talk to.

- ``OSSStandIn``: OSS's object API as ``oss2`` uses it (PutObject, GetObject,
  HeadObject, DeleteObject, ListObjects, presigned GET/PUT), path-style, after checking
  the request's V1 signature (the ``Authorization`` header, or a presigned URL's query)
  and its STS token; objects in memory. Built from OSS's API reference (the signature's
  string to sign, the error document, the listing's XML).
- ``moto_server``: moto's S3 in server mode, the endpoint boto3 talks to.
- ``TokenStandIn``: answers PutObject/GetObject only when the request carries the
  expected IAM token in ``X-YaCloud-SubjectToken`` and no signature (Yandex Object
  Storage's IAM-token authentication), else ``403 AccessDenied``.
"""

from __future__ import annotations

import base64
import contextlib
import email.utils
import hashlib
import hmac
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlsplit
from xml.sax.saxutils import escape

KEY_ID, SECRET, TOKEN = "STS.example-key-id", "example-secret", "example-sts-token"
IAM_TOKEN = "t1.example-iam-token"


def _error(code: str, message: str) -> bytes:
    return (
        f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>{code}</Code>"
        f"<Message>{escape(message)}</Message><RequestId>5C00000000000000</RequestId>"
        "<HostId>127.0.0.1</HostId></Error>"
    ).encode()


class _Base(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        return

    def body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length", "0")))

    def answer(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("x-oss-request-id", "5C0000000000000000000000")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class OSSStandIn(_Base):
    """OSS on 127.0.0.1 (see the module's docstring). ``state`` is the class's own:
    ``objects`` by (bucket, key), ``buckets``, ``seen`` (one dict a request)."""

    state: dict[str, Any]

    def _split(self) -> tuple[str, str, dict[str, str]]:
        parts = urlsplit(self.path)
        _, bucket, key = [*parts.path.split("/", 2), "", ""][:3]
        return unquote(bucket), unquote(key), dict(parse_qsl(parts.query, keep_blank_values=True))

    def _signed(self, bucket: str, key: str, query: dict[str, str]) -> tuple[bool, bool]:
        """(signature right, STS token right) of this request."""
        resource = f"/{bucket}/{key}"
        if "Signature" in query:  # a presigned URL
            token = query.get("security-token", "")
            date = query.get("Expires", "")
            if int(date or 0) < time.time():
                return False, token == TOKEN
            oss_headers = ""
            resource += f"?security-token={token}" if token else ""
            given, key_id = query["Signature"], query.get("OSSAccessKeyId")
            content_type = ""
        else:
            token = self.headers.get("x-oss-security-token", "")
            date = self.headers.get("Date", "")
            pairs = sorted(
                (name.lower(), value.strip())
                for name, value in self.headers.items()
                if name.lower().startswith("x-oss-")
            )
            oss_headers = "".join(f"{name}:{value}\n" for name, value in pairs)
            authorization = self.headers.get("Authorization", "")
            key_id, _, given = authorization.removeprefix("OSS ").partition(":")
            content_type = self.headers.get("Content-Type", "")
        string_to_sign = "\n".join(
            [self.command, self.headers.get("Content-MD5", ""), content_type, date]
        )
        string_to_sign += "\n" + oss_headers + resource
        digest = hmac.new(SECRET.encode(), string_to_sign.encode(), hashlib.sha1).digest()
        right = key_id == KEY_ID and hmac.compare_digest(given, base64.b64encode(digest).decode())
        return right, token == TOKEN

    def _handle(self) -> None:
        bucket, key, query = self._split()
        data = self.body() if self.command == "PUT" else b""
        signature, token = self._signed(bucket, key, query)
        self.state["seen"].append(
            {
                "method": self.command,
                "bucket": bucket,
                "key": key,
                "signature": signature,
                "token": token,
            }
        )
        if not (signature and token):
            code = "SignatureDoesNotMatch" if not signature else "InvalidSecurityToken"
            self.answer(403, _error(code, "the request's signature or token is wrong"))
            return
        if bucket not in self.state["buckets"]:
            self.answer(404, _error("NoSuchBucket", "The specified bucket does not exist."))
            return
        if not key and self.command == "GET":
            self._list(bucket, query)
            return
        objects = self.state["objects"]
        if self.command == "PUT":
            meta = {n: v for n, v in self.headers.items() if n.lower().startswith("x-oss-meta-")}
            etag = hashlib.md5(data).hexdigest().upper()
            objects[bucket, key] = {
                "data": data,
                "type": self.headers.get("Content-Type", "application/octet-stream"),
                "meta": meta,
                "etag": etag,
                "time": time.time(),
            }
            self.answer(200, headers={"ETag": f'"{etag}"'})
        elif self.command == "DELETE":
            objects.pop((bucket, key), None)
            self.answer(204)
        elif (bucket, key) not in objects:
            self.answer(404, _error("NoSuchKey", "The specified key does not exist."))
        else:
            found = objects[bucket, key]
            headers = {
                "Content-Type": found["type"],
                "ETag": f'"{found["etag"]}"',
                "Last-Modified": email.utils.formatdate(found["time"], usegmt=True),
                **found["meta"],
            }
            self.send_response(200)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(found["data"])))
            self.end_headers()
            if self.command == "GET":
                self.wfile.write(found["data"])

    do_GET = do_PUT = do_HEAD = do_DELETE = _handle

    def _list(self, bucket: str, query: dict[str, str]) -> None:
        prefix, marker = query.get("prefix", ""), query.get("marker", "")
        limit = min(int(query.get("max-keys", "100")), 1000)
        url = query.get("encoding-type") == "url"
        keys = sorted(k for b, k in self.state["objects"] if b == bucket and k.startswith(prefix))
        keys = [k for k in keys if k > marker]
        page, truncated = keys[:limit], len(keys) > limit

        def shown(text: str) -> str:
            return quote(text, safe="") if url else escape(text)

        items = "".join(
            f"<Contents><Key>{shown(k)}</Key><LastModified>"
            + time.strftime(
                "%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(self.state["objects"][bucket, k]["time"])
            )
            + f'</LastModified><ETag>"{self.state["objects"][bucket, k]["etag"]}"</ETag>'
            f"<Type>Normal</Type><Size>{len(self.state['objects'][bucket, k]['data'])}</Size>"
            "<StorageClass>Standard</StorageClass></Contents>"
            for k in page
        )
        body = (
            "<?xml version='1.0' encoding='UTF-8'?><ListBucketResult>"
            f"<Name>{bucket}</Name><Prefix>{shown(prefix)}</Prefix>"
            f"<Marker>{shown(marker)}</Marker><MaxKeys>{limit}</MaxKeys><Delimiter></Delimiter>"
            + ("<EncodingType>url</EncodingType>" if url else "")
            + f"<IsTruncated>{'true' if truncated else 'false'}</IsTruncated>"
            + (f"<NextMarker>{shown(page[-1])}</NextMarker>" if truncated else "")
            + items
            + "</ListBucketResult>"
        )
        self.answer(200, body.encode(), {"Content-Type": "application/xml"})


class TokenStandIn(_Base):
    """PutObject/GetObject with Yandex's IAM-token authentication (see the module)."""

    state: dict[str, Any]

    def _handle(self) -> None:
        data = self.body() if self.command == "PUT" else b""
        token = self.headers.get("X-YaCloud-SubjectToken")
        self.state["seen"].append(
            {
                "method": self.command,
                "path": unquote(urlsplit(self.path).path),
                "token": token,
                "authorization": self.headers.get("Authorization"),
            }
        )
        if token != IAM_TOKEN or self.headers.get("Authorization"):
            self.answer(403, _error("AccessDenied", "Access Denied"))
            return
        path = unquote(urlsplit(self.path).path)
        if self.command == "PUT":
            self.state["objects"][path] = data
            self.answer(200, headers={"ETag": f'"{hashlib.md5(data).hexdigest()}"'})
        elif path in self.state["objects"]:
            self.answer(200, self.state["objects"][path], {"ETag": '"x"'})
        else:
            self.answer(404, _error("NoSuchKey", "The specified key does not exist."))

    do_GET = do_PUT = _handle


@contextlib.contextmanager
def serving(
    handler: type[BaseHTTPRequestHandler], **state: Any
) -> Iterator[tuple[str, dict[str, Any]]]:
    """``handler``'s server on 127.0.0.1 for the ``with`` block: (its URL, its state)."""
    shared: dict[str, Any] = {"seen": [], "objects": {}, **state}
    server = ThreadingHTTPServer(("127.0.0.1", 0), type("Handler", (handler,), {"state": shared}))
    server.daemon_threads = True
    # A short poll interval: shutdown() waits for the loop's next poll (0.5 s by default).
    thread = threading.Thread(target=server.serve_forever, args=(0.01,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", shared
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def moto_server() -> Iterator[str]:
    """moto's S3 in server mode on a free port of 127.0.0.1: its URL."""
    import socket

    from moto.server import ThreadedMotoServer

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.stop()
