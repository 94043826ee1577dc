"""Yandex Cloud Functions providers (``yandex``, ``yandex-gateway``).

Each provider keeps its runtime half (inside the cloud) and platform half
(imitating it) side by side: ``function.runtime``/``function.platform`` for a
direct call or a trigger, ``gateway.runtime``/``gateway.platform`` behind API
Gateway. The modules:

- ``runtime_half``: detection and decoding of every ``event`` shape; on the
  runtime path, with ``http`` (HTTP envelopes ⇄ ``Request``/``Response``),
  ``triggers`` (``{"messages": [...]}`` → ``EventBatch``) and ``context``;
- ``platform_half``: the router and the triggers imitated, with ``router`` (request
  → envelope, return value → what the caller gets), ``trigger_calls`` (``Event`` →
  trigger message) and ``instance`` (environment and logging of an instance);
- ``samples``: the docs' sample events, for ``polyfaas events yandex [KIND]``.

Platform facts: ``reference/yandex-functions.md``; the choices made where the docs
are silent: ``ASSUMPTIONS.md`` next to this file.
"""

from __future__ import annotations
