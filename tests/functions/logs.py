"""A handler that logs the way users do, to see the platform's logging setup."""

from __future__ import annotations

import logging

import polyfaas

logging.basicConfig(level=logging.DEBUG)  # no effect on Yandex: its runtime set the root up


@polyfaas.http
def handler(request: polyfaas.Request, context: polyfaas.Context) -> str:
    logging.getLogger().info("an info line")
    logging.getLogger("app").warning("a warning line")
    return "logged"
