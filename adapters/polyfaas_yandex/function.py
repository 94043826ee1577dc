"""The ``yandex`` provider: a Yandex Cloud Functions Python handler
``handler(event: dict, context)``, called directly over HTTPS or by triggers.

Runtime half (``runtime_half.YandexRuntime``): decodes every documented ``event``
shape and encodes the result. Platform half (``platform_half.YandexPlatform``):
builds the envelope and context the platform would, and answers as its router
does, including ``?integration=raw`` and ``?integration=async`` calls.

Documented losses of a direct call: no ``Cookie`` and no ``Authorization`` (the
router strips them, with the other headers in ``router.STRIPPED_REQUEST_HEADERS``),
no path (it decodes as ``/``), ``scheme`` is ``https``; the router adds
``X-Request-Id``, ``X-Trace-Id``, ``X-Forwarded-For`` and ``X-Real-Remote-Address``.
"""

from __future__ import annotations

from polyfaas_yandex.platform_half import YandexPlatform
from polyfaas_yandex.runtime_half import YandexRuntime

runtime = YandexRuntime("yandex")
platform = YandexPlatform("yandex")
