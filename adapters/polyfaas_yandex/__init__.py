"""Yandex Cloud Functions providers (``yandex``, ``yandex-gateway``).

The cloud (runtime) code is at the top, one module a surface; it is all a deployed
function imports:

- ``function``: the runtime half ``YandexRuntime`` (detection, ``decode_event``,
  encoding the result) and its two objects, ``runtime`` (``yandex``: direct calls and
  triggers) and ``gateway_runtime`` (``yandex-gateway``: behind API Gateway);
- ``http_envelope``: the HTTP envelope codec, the direct call's and API Gateway's
  (v0.1, v1.0) ``event`` → ``Request`` and ``Response`` → ``{statusCode, …}``;
- ``triggers``: trigger messages ``{"messages": [...]}`` → ``EventBatch``;
- ``context``: the platform's ``context`` object read as a ``polyfaas.Context``.

Everything that imitates the cloud, for the local runner and the tests, is under
``emulated`` and never imported on a runtime path:

- ``emulated.function``: the platform half ``YandexPlatform`` and its objects
  ``platform``, ``gateway_platform`` and ``gateway_platform_v1``;
- ``emulated.router``: the front door (request → envelope, return value → what the
  caller gets);
- ``emulated.trigger_calls``: ``Event`` → the trigger message;
- ``emulated.instance``: an instance's environment and logging;
- ``emulated.context``: the fake ``YandexContext``, ``make_context`` and ``token_of``.

``samples/<kind>.json`` are the documented sample events (``polyfaas events yandex
[KIND]``). Platform facts are cited as §n of the project's Yandex Cloud Functions spec
sheet; every source, and the choices made where the docs are silent, are listed in
``ASSUMPTIONS.md`` next to this file.
"""

from __future__ import annotations
