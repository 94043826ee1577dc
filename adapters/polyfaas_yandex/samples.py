"""Sample native events, one per kind, for ``polyfaas events yandex [KIND]`` and the
golden tests (``tests/events/yandex/<kind>.input.json`` holds the same data).

Sources: ``http`` and ``http-form`` are the docs' own samples (D-handler,
D-invoke); the trigger samples are the docs' and the official TypeScript types'
(``yandex-cloud/function-ts-types``, src/triggers/*.json) with masked ids kept;
``storage`` is a real capture (CAP2). ``gateway-v0``, ``gateway-v1`` and ``mail``
are built from the field lists of D-apigw and mail-format (the gateway's own
headers from its WebSocket sample in function-ts-types): no full sample is
published.
"""

from __future__ import annotations

import copy
from typing import Any

_RID = "6e8356f9-489b-4c7b-8ba6-c8cd74f25455"
_IP = "109.252.148.209"
_HEADERS = {
    "Accept": "*/*",
    "Content-Length": "18",
    "Content-Type": "application/json",
    "Host": "functions.yandexcloud.net",
    "User-Agent": "curl/7.64.1",
    "X-Forwarded-For": _IP,
    "X-Real-Remote-Address": f"[{_IP}]:2816",
    "X-Request-Id": _RID,
    "X-Trace-Id": "e9fe9b05-c1aa-4fb8-94d8-a514fd6f3ff7",
}
_CONTEXT = {
    "httpMethod": "POST",
    "identity": {"sourceIp": _IP, "userAgent": "curl/7.64.1"},
    "requestId": _RID,
    "requestTime": "13/Jul/2022:11:58:59 +0000",
    "requestTimeEpoch": 1657713539,
}


def _http(headers: dict[str, str], body: str, encoded: bool, **extra: Any) -> dict[str, Any]:
    return {
        "body": body,
        "headers": headers,
        "httpMethod": "POST",
        "isBase64Encoded": encoded,
        "multiValueHeaders": {name: [value] for name, value in headers.items()},
        "multiValueParams": {},
        "multiValueQueryStringParameters": {"param": ["one"]},
        "params": {},
        "pathParams": {},
        "queryStringParameters": {"param": "one"},
        "requestContext": _CONTEXT,
        "url": "",
        **extra,
    }


def _gw_headers(path: str) -> dict[str, str]:
    # The gateway's own headers as in its WebSocket sample (function-ts-types).
    return {
        "Accept": "*/*",
        "Authorization": "Bearer t1.9euelZqN********",
        "Content-Length": "18",
        "Content-Type": "application/json",
        "Cookie": "session=abc; theme=dark",
        "Host": "d5dm1lba80md********.apigw.yandexcloud.net",
        "User-Agent": "curl/7.64.1",
        "X-Forwarded-For": _IP,
        "X-Api-Gateway-Function-Id": "d4eo2faf62**********",
        "X-Envoy-External-Address": _IP,
        "X-Envoy-Original-Path": f"{path}?param=one",
        "X-Forwarded-Proto": "https",
        "X-Real-Remote-Address": f"{_IP}:2816",
        "X-Serverless-Gateway-Id": "d5dm1lba80md********",
        "X-Request-Id": _RID,
        "X-Trace-Id": "e9fe9b05-c1aa-4fb8-94d8-a514fd6f3ff7",
    }


_GW_CONTEXT = {**_CONTEXT, "apiGateway": {"operationContext": {}}}


def _metadata(event_id: str, event_type: str, created_at: Any, **extra: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "event_type": "yandex.cloud.events." + event_type,
        "created_at": created_at,
        **extra,
    }


SAMPLES: dict[str, Any] = {
    "http": _http(_HEADERS, '{"hello": "world"}', False),
    "http-form": _http(
        {
            **_HEADERS,
            "Content-Length": "13",
            "Content-Type": "application/x-www-form-urlencoded",
        },
        "aGVsbG8sIHdvcmxkIQ==",
        True,
    ),
    "gateway-v0": {
        **_http(_gw_headers("/items/42/photo"), '{"hello": "world"}', False),
        "url": "/items/42/photo",
        "path": "/{url+}",
        "params": {"url": "items/42/photo"},
        "multiValueParams": {"url": ["items/42/photo"]},
        "pathParams": {"url": "items/42/photo"},
        "requestContext": _GW_CONTEXT,
    },
    "gateway-v1": {
        "version": "1.0",
        "resource": "/items/{id}",
        "path": "/items/42",
        "httpMethod": "POST",
        "headers": _gw_headers("/items/42"),
        "multiValueHeaders": {name: [value] for name, value in _gw_headers("/items/42").items()},
        "queryStringParameters": {"param": "one"},
        "multiValueQueryStringParameters": {"param": ["one"]},
        "requestContext": _GW_CONTEXT,
        "pathParameters": {"id": "42"},
        "parameters": {"id": "42", "param": "one"},
        "multiValueParameters": {"id": ["42"], "param": ["one"]},
        "operationId": "updateItem",
        "body": '{"hello": "world"}',
        "isBase64Encoded": False,
    },
    "timer": {
        "messages": [
            {
                "event_metadata": _metadata(
                    "a1s41g2n5g0o********",
                    "serverless.triggers.TimerMessage",
                    "2019-12-04T12:05:14.227761Z",
                    cloud_id="b1gvlrnlei4l********",
                    folder_id="b1g88tflru0e********",
                ),
                "details": {"trigger_id": "a1sfe084v4se********", "payload": "payload-message"},
            }
        ]
    },
    "queue": {
        "messages": [
            {
                "event_metadata": _metadata(
                    "cce76685-5828-4304-a83d-95643c0507a0",
                    "messagequeue.QueueMessage",
                    "2019-09-24T00:54:28.980441Z",
                ),
                "details": {
                    "queue_id": "yrn:yc:ymq:ru-central1:21i6v06sqmsaoeon7nus:event-queue",
                    "message": {
                        "message_id": "cce76685-5828-4304-a83d-95643c0507a0",
                        "md5_of_body": "d29343907090dff4cec4a9a0efb80d20",
                        "body": "message body",
                        "attributes": {"SentTimestamp": "1569285804456"},
                        "message_attributes": {
                            "messageAttributeKey": {
                                "dataType": "StringValue",
                                "stringValue": "value",
                            }
                        },
                        "md5_of_message_attributes": "83eb2d0afefb150c1ffe69f66c3de068",
                    },
                },
            }
        ]
    },
    "storage": {
        "messages": [
            {
                "event_metadata": _metadata(
                    "e94366f0-e0fb-4ea5-b0e8-0a8b1f1c1c1c",
                    "storage.ObjectCreate",
                    "2022-12-17T12:56:21.424389236Z",
                    tracing_context={
                        "trace_id": "f52f3246b4f3634c",
                        "span_id": "",
                        "parent_span_id": "",
                    },
                    cloud_id="b1g71e95h51okii30p25",
                    folder_id="b1gmgk1n7jlhjq8gq4oq",
                ),
                "details": {"bucket_id": "itis-2022-2023-vvot06-photos", "object_id": "avatar.jpg"},
            }
        ]
    },
    "iot": {
        "messages": [
            {
                "event_metadata": _metadata(
                    "2153b5d2-c6af-4c69-a28d-74ce965b7613",
                    "iot.IoTMessage",
                    "2019-09-25T15:51:17.872320525Z",
                ),
                "details": {
                    "registry_id": "arenou2oj4ct42eq8g3n",
                    "device_id": "areqjd6un3afc3cefcvm",
                    "mqtt_topic": "$devices/areqjd6un3afc3cefcvm/events",
                    "payload": "VGVzdCA0",
                },
            }
        ]
    },
    "logging": {
        "messages": [
            {
                "event_metadata": _metadata(
                    "2c59a567-6666-4b65-a0b0-cc**********",
                    "serverless.triggers.LoggingMessageBatch",
                    {"seconds": 1630607359, "nanos": 6794776},
                ),
                "details": {
                    "messages": [
                        {
                            "resource": {
                                "type": "serverless.function",
                                "id": "b09tm9raoe**********",
                            },
                            "timestamp": "2021-09-02 18:29:17.118082213 +0000 UTC",
                            "level": "INFO",
                            "message": "START RequestID: 085035c7-2319-40dd-bb03-fd********** "
                            "Version: b09s5cq4b935********",
                            "json_payload": {
                                "request_id": "085035c7-2319-40dd-bb03-fdb2********",
                                "version_id": "b09s5cq4b935********",
                            },
                        }
                    ]
                },
            }
        ]
    },
    "data-streams": {"messages": [{"key1": "value1"}, {"key2": "value2"}]},
    "budget": {
        "messages": [
            {
                "billing_account_id": "a6q6***",
                "budget_id": "a626***",
                "budget_display_name": "name",
                "amount": 90012.00,
                "currency": "RUB",
                "period": "2021",
                "budgeted_amount": 100000.00,
                "threshold_amount": 90000.00,
                "threshold_type": "amount",
            }
        ]
    },
    "mail": {
        "messages": [
            {
                "received_at": "2023-08-15T09:21:32.436Z",
                "headers": [
                    {"name": "From", "values": ["alice@example.com"]},
                    {"name": "Subject", "values": ["Hello"]},
                ],
                "message": "Hello from the mail trigger",
            }
        ]
    },
    "container-registry": {
        "messages": [
            {
                "event_metadata": _metadata(
                    "crtpk611************",
                    "containerregistry.CreateImage",
                    "2020-09-07T11:09:14Z",
                    cloud_id="b1gvlrnl************",
                    folder_id="b1g88tfl************",
                    tracing_context={
                        "parent_span_id": "-1491579************",
                        "span_id": "-7232663************",
                        "trace_id": "70e7************",
                    },
                ),
                "details": {
                    "image_digest": "sha256:45f8f740272f1f2a053eade37d8d"
                    "************************************",
                    "image_id": "crti2c9b************",
                    "registry_id": "crt2504s************",
                    "repository_name": "crt2504s************/ubuntu",
                    "tag": "latest",
                },
            }
        ]
    },
    "raw": {"queryStringParameters": {"name": "Username"}},
}


def kinds() -> list[str]:
    """The kinds of sample, in a stable order."""
    return list(SAMPLES)


def sample(kind: str) -> Any:
    """A fresh copy of the sample event of ``kind`` (``KeyError`` names the kinds)."""
    try:
        return copy.deepcopy(SAMPLES[kind])
    except KeyError:
        raise KeyError(f"no Yandex sample {kind!r}; kinds: {', '.join(SAMPLES)}") from None
