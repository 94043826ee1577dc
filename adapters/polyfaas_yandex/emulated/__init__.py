"""Yandex Cloud Functions imitated, for the local runner and the tests: the platform
half (``function``), the router (``router``), trigger messages (``trigger_calls``),
an instance's environment and logging (``instance``) and the fake context
(``context``). Never imported on a runtime path."""

from __future__ import annotations
