"""Shared helpers of the Alibaba tests: canonical payloads as JSON (for the golden
files), the seed handlers of FC's Python docs as source text, and FC contexts."""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from polyfaas import Event, EventBatch, Request
from polyfaas.platform import FunctionConfig
from polyfaas_alibaba.emulated.builtin import AlibabaPlatform

GOLDEN = Path(__file__).resolve().parent.parent / "events" / "alibaba"
RID = "1-64f6cd87-127fbe39cd7681596e33ebad"

# The docs' handlers (seeds/000, "Python handlers"), verbatim.
SEED_EXAMPLE_1 = """\
# -*- coding: utf-8 -*-
import json
def handler(event, context):
    evt = json.loads(event)
    return evt['key']
"""

SEED_EXAMPLE_3 = """\
import os
import subprocess

def handler(event, context):
    ret = subprocess.check_output(['ls', "-l"])
    return ret
"""

SEED_EXAMPLE_4 = """\
# -*- coding: utf-8 -*-
import logging
import json
import base64

def handler(event, context):
    logger = logging.getLogger()
    logger.info("receive event: %s", event)

    try:
        event_json = json.loads(event)
    except:
        return "The request did not come from an HTTP Trigger because the event is not a json string, event: {}".format(event)
    
    if "body" not in event_json:
        return "The request did not come from an HTTP Trigger because the event does not include the 'body' field, event: {}".format(event)
    req_body = event_json['body']
    if 'isBase64Encoded' in event_json and event_json['isBase64Encoded']:
        req_body = base64.b64decode(event_json['body']).decode("utf-8")

    return {
        'statusCode': 200,
        'headers': {'Content-Type': 'text/plain'},
        'isBase64Encoded': False,
        'body': req_body
    }
"""  # noqa: E501, W293


def fc_context(
    rid: str = RID, *, python: str = "3.10", config: FunctionConfig | None = None
) -> Any:
    """An FC context object as the platform half builds it."""
    return AlibabaPlatform(python=python).context(config or FunctionConfig(), rid)


def _data(value: Any) -> Any:
    if isinstance(value, bytes):
        return {"$bytes": base64.b64encode(value).decode()}
    return value


def _undata(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"$bytes"}:
        return base64.b64decode(value["$bytes"])
    if isinstance(value, dict) and set(value) == {"$text"}:
        return value["$text"].encode("utf-8")
    return value


def _body(body: bytes) -> dict[str, str]:
    try:
        return {"$text": body.decode("utf-8")}
    except UnicodeDecodeError:
        return {"$bytes": base64.b64encode(body).decode()}


def canonical(payload: Request | Event | EventBatch) -> dict[str, Any]:
    """A JSON-able account of a canonical payload (every compared field)."""
    if isinstance(payload, Request):
        return {
            "request": {
                "method": payload.method,
                "path": payload.path,
                "raw_path": payload.raw_path,
                "query": [list(pair) for pair in payload.query.items(multi=True)],
                "headers": [list(pair) for pair in payload.headers.items()],
                "body": _body(payload.body),
                "client_ip": payload.client_ip,
                "scheme": payload.scheme,
                "host": payload.host,
            }
        }
    if isinstance(payload, EventBatch):
        return {"batch": [canonical(event)["event"] for event in payload.events]}
    return {
        "event": {
            "type": payload.type,
            "id": payload.id,
            "source": payload.source,
            "subject": payload.subject,
            "time": payload.time.isoformat() if payload.time else None,
            "data": _data(payload.data),
            "datacontenttype": payload.datacontenttype,
        }
    }


def load(name: str) -> Any:
    """A golden file, parsed."""
    return json.loads((GOLDEN / name).read_text(encoding="utf-8"))


def _event(fields: dict[str, Any]) -> Event:
    from datetime import datetime

    time = fields["time"]
    return Event(
        type=fields["type"],
        id=fields["id"],
        source=fields["source"],
        subject=fields["subject"],
        time=datetime.fromisoformat(time) if time else None,
        data=_undata(fields["data"]),
        datacontenttype=fields["datacontenttype"],
    )


def from_canonical(account: dict[str, Any]) -> Request | Event | EventBatch:
    """The canonical payload a ``canonical()`` account describes."""
    if "request" in account:
        fields = dict(account["request"])
        fields["body"] = _undata(fields["body"])
        return Request(**fields)
    if "batch" in account:
        return EventBatch([_event(fields) for fields in account["batch"]])
    return _event(account["event"])


#: What the reverse golden files are built with: the account, region and clock.
ACCOUNT_ID = "1234567890123456"
REGION = "cn-hangzhou"
NOW = 1693896071.895


def reverse(payload: Request | Event | EventBatch) -> Any:
    """The native event the platform half builds for ``payload`` (fixed ids and clock)."""
    from polyfaas_alibaba.emulated.http_trigger import event_from_request
    from polyfaas_alibaba.emulated.native_events import native_event

    if isinstance(payload, Request):
        return event_from_request(payload, request_id=RID, account_id=ACCOUNT_ID, now=NOW)
    if isinstance(payload, EventBatch):
        natives = [native_event(e, account_id=ACCOUNT_ID, region=REGION) for e in payload.events]
        return [item for native in natives for item in native]
    native = native_event(payload, account_id=ACCOUNT_ID, region=REGION)
    return native.decode("utf-8") if isinstance(native, bytes) else native


def sample(kind: str) -> Any:
    """A fresh copy of the package sample of ``kind`` (``polyfaas_alibaba/samples``)."""
    from polyfaas.platform import load_samples

    return load_samples("polyfaas_alibaba")[kind]


def sample_kinds() -> list[str]:
    """The kinds of the package samples, sorted."""
    from polyfaas.platform import load_samples

    return list(load_samples("polyfaas_alibaba"))


def sample_bytes(kind: str) -> bytes:
    """The package sample of ``kind`` as the bytes FC passes to ``handler(event, context)``."""
    return json.dumps(sample(kind), ensure_ascii=False, indent=2).encode("utf-8")


def write_golden() -> None:
    """Regenerate ``tests/events/alibaba`` from the package samples (review the diff!)."""
    from polyfaas.platform import load_samples
    from polyfaas_alibaba.builtin import decode_payload

    def dump(name: str, obj: Any) -> None:
        text = json.dumps(obj, indent=2, ensure_ascii=False) + "\n"
        (GOLDEN / name).write_text(text, encoding="utf-8")

    GOLDEN.mkdir(parents=True, exist_ok=True)
    for kind in load_samples("polyfaas_alibaba"):
        payload = decode_payload(sample_bytes(kind), RID)
        dump(f"{kind}.expected.json", canonical(payload))
        dump(f"{kind}.reverse.json", reverse(from_canonical(canonical(payload))))
