"""Handlers for the Invoke API tests (``polyfaas run --provider aws``): a native Lambda
handler that does what its payload's ``do`` says, and the two portable styles."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import polyfaas


def handler(event: Any, context: Any) -> Any:
    """By default, the event and what the Lambda context said about the call."""
    action = event.get("do") if isinstance(event, dict) else None
    if action == "raise":
        raise ValueError("raised on purpose")
    if action == "sleep":
        time.sleep(float(event.get("seconds", 30)))
    elif action == "exit":
        os._exit(3)
    elif action == "unmarshalable":
        return {"when": object()}
    elif action == "bytes":
        return b"\x00raw\xff"
    elif action == "huge":
        return "A" * (7 * 1024 * 1024)
    elif action == "write":
        Path(event["path"]).write_text(context.aws_request_id)
    elif action == "append-and-raise":  # an asynchronous call's attempts, one line each
        with open(event["path"], "a") as attempts:
            attempts.write(context.aws_request_id + "\n")
        raise RuntimeError("this attempt fails too")
    elif action == "print":
        print(event.get("text", "printed by the handler"))
    return {
        "event": event,
        "request_id": context.aws_request_id,
        "function_name": context.function_name,
        "arn": context.invoked_function_arn,
    }


@polyfaas.event
def on_event(event: polyfaas.Event, context: polyfaas.Context) -> Any:
    if event.data == "fail":
        raise LookupError("event failed on purpose")
    return {"type": event.type, "data": event.data, "request_id": context.request_id}


@polyfaas.http
def on_request(request: polyfaas.Request, context: polyfaas.Context) -> Any:
    return {"method": request.method, "path": request.path, "body": request.text}
