"""The settings of a Yandex Cloud function (or its API gateway) that a deploy makes
and the emulation honours (``polyfaas run --provider yandex --help`` lists them; the
test kit takes them as ``FunctionConfig(settings={...})``). Sources in
``ASSUMPTIONS.md``."""

from __future__ import annotations

from polyfaas.platform import Setting

PRIVATE = Setting(
    "private",
    "the function is private (no allUsers functions.functionInvoker role): a call "
    "without a valid Authorization: Bearer <IAM token> or Api-Key <key> is refused "
    "before the handler runs",
    flag=True,
)
PAYLOAD_VERSION = Setting(
    "payload-version",
    "the API Gateway integration's payload_format_version",
    choices=("0.1", "1.0"),
)

#: The settings of a direct function call (its invoke URL and triggers).
FUNCTION_SETTINGS: tuple[Setting, ...] = (PRIVATE,)
#: The settings behind API Gateway (the gateway itself is reachable without a token).
GATEWAY_SETTINGS: tuple[Setting, ...] = (PAYLOAD_VERSION,)
