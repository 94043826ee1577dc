"""Sample native FC events, one per kind, for ``polyfaas events alibaba [KIND]`` and
the golden tests (``tests/events/alibaba/<kind>.input.json`` holds the same data).

Sources (reference §2.1 and §6): ``http`` is the HTTP-trigger sample of the FC 3.0
docs; ``timer`` the docs' timer sample; ``oss``, ``sls``, ``mns-topic``,
``mns-queue`` and ``kafka`` the samples of ``aliyun/fc-runtime-go-sdk``
(``events/README_*.md``), masked ids kept as published; ``direct`` is the test
payload of the Python handler docs' example 1. FC delivers every one of them as
bytes: ``sample_bytes`` gives those.
"""

from __future__ import annotations

import copy
import json
from typing import Any

_KAFKA_RECORD = {
    "data": {
        "topic": "HelloTopic",
        "partition": 9,
        "offset": 3,
        "timestamp": 1659346376797,
        "headers": {"headers": [], "isReadOnly": False},
        "value": 'b\'{\\n    "Test": "TestKafkaEventBridgetrigger"\\n}\'',
    },
    "id": "1cb591f9-987e-41d9-b974-0342e9acb90a",
    "source": "acs:alikafka",
    "specversion": "1.0",
    "type": "alikafka:Topic:Message",
    "datacontenttype": "application/json; charset=utf-8",
    "time": "2022-08-01T09:32:56.797Z",
    "subject": "acs:alikafka:alikafka_pre-cn-7pp2t2jwj001:topic:HelloTopic",
    "aliyunaccountid": "1938858730552836",
}

SAMPLES: dict[str, Any] = {
    "http": {
        "version": "v1",
        "rawPath": "/example",
        "body": "Hello FC!",
        "isBase64Encoded": False,
        "headers": {"header1": "value1", "header2": "value1,value2"},
        "queryParameters": {"parameter1": "value1", "parameter2": "value1,value2"},
        "requestContext": {
            "accountId": "123456*********",
            "domainName": "<http-trigger-id>.<region-id>.fcapp.run",
            "domainPrefix": "<http-trigger-id>",
            "http": {
                "method": "GET",
                "path": "/example",
                "protocol": "HTTP/1.1",
                "sourceIp": "11.11.11.**",
                "userAgent": "PostmanRuntime/7.32.3",
            },
            "requestId": "1-64f6cd87-*************",
            "time": "2023-09-05T06:41:11Z",
            "timeEpoch": "1693896071895",
        },
    },
    "timer": {
        "triggerTime": "2023-12-26T07:49:00Z",
        "triggerName": "timer-trigger",
        "payload": "awesome-fc",
    },
    "oss": {
        "events": [
            {
                "eventName": "ObjectCreated:PutObject",
                "eventSource": "acs:oss",
                "eventTime": "2022-06-10T06:21:35.000Z",
                "eventVersion": "1.0",
                "oss": {
                    "bucket": {
                        "arn": "acs:oss:cn-shenzhen:1581223139******:bucketname",
                        "name": "testbucket",
                        "ownerIdentity": "1581224182******",
                        "virtualBucket": "",
                    },
                    "object": {
                        "deltaSize": 29203,
                        "eTag": "7D73E1052AF595535DE90994F4C3E6D5",
                        "key": "image/a.jpg",
                        "objectMeta": {"mimeType": "image/jpeg"},
                        "size": 29203,
                    },
                    "ossSchemaVersion": "1.0",
                    "ruleId": "7c5a5ccfb06114a4d1ea8867e3916eb543d84e7c",
                },
                "region": "cn-shenzhen",
                "requestParameters": {"sourceIPAddress": "106.23.**.**"},
                "responseElements": {"requestId": "62A2E2EFD0DEFE3930847A6E"},
                "userIdentity": {"principalId": "1581224182******"},
            }
        ]
    },
    "mns-topic": {
        "TopicOwner": "topic account id",
        "Message": "mock mns message",
        "Subscriber": "subscriber account id",
        "PublishTime": 1658235558094,
        "SubscriptionName": "test-5bf13c7e",
        "MessageMD5": "652BF0E6297840015247C3xxxxxxx",
        "TopicName": "fc-example",
        "MessageId": "3405CA51807661353B3xxxxxxxx",
    },
    "mns-queue": {
        "id": "c2g71017-6f65-fhcf-a814-a396fc8d****",
        "source": "MNS-Function-mnstrigger",
        "specversion": "1.0",
        "type": "mns:Queue:SendMessage",
        "datacontenttype": "application/json; charset=utf-8",
        "subject": "acs:mns:cn-hangzhou:164901546557****:queues/zeus",
        "time": "2021-04-08T06:28:17.093Z",
        "aliyunaccountid": "1649015465574023",
        "aliyunpublishtime": "2021-10-15T07:06:34.028Z",
        "aliyunoriginalaccountid": "164901546557****",
        "aliyuneventbusname": "MNS-Function-mnstrigger",
        "aliyunregionid": "cn-chengdu",
        "aliyunpublishaddr": "42.120.XX.XX",
        "data": {
            "requestId": "606EA3074344430D4C81****",
            "messageId": "C6DB60D1574661357FA227277445****",
            "messageBody": "TEST",
        },
    },
    "sls": {
        "cursorTime": 1655645277,
        "jobName": "39955366992fd7a0ee85a9e1ecba042a5c737682",
        "parameter": {},
        "source": {
            "beginCursor": "MTY1NDUzOTMyNjA5GFH1MzYyNf==",
            "endCursor": "MTY1NDUzOTMyNjA5GFH1MzYyOQ==",
            "endpoint": "http://cn-shenzhen-intranet.log.aliyuncs.com",
            "logstoreName": "function-log",
            "projectName": "aliyun-fc-cn-shenzhen-3a8b13243-b031-5b64-abd3-5b54********",
            "shardId": 0,
        },
        "taskId": "617efabb-8dc3-41fv-b908-7cbc********",
    },
    # EventBridge delivers the batch as an array of JSON *strings* (Go SDK sample).
    "kafka": [json.dumps(_KAFKA_RECORD, separators=(",", ":"))],
    "direct": {"key": "value"},
}


def kinds() -> list[str]:
    """The sample kinds, in a stable order."""
    return list(SAMPLES)


def sample(kind: str) -> Any:
    """A fresh copy of the parsed sample of ``kind``."""
    try:
        return copy.deepcopy(SAMPLES[kind])
    except KeyError:
        raise KeyError(f"no Alibaba sample {kind!r}; kinds: {', '.join(SAMPLES)}") from None


def sample_bytes(kind: str) -> bytes:
    """The sample of ``kind`` as the bytes FC passes to ``handler(event, context)``."""
    return json.dumps(sample(kind), ensure_ascii=False, indent=2).encode("utf-8")
