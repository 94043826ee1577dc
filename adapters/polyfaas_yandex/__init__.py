"""Yandex Cloud Functions providers (``yandex``, ``yandex-gateway``).

Each provider keeps its runtime half (inside the cloud) and platform half
(imitating it) side by side in this package. Platform facts:
``reference/yandex-functions.md``.
"""

from __future__ import annotations
