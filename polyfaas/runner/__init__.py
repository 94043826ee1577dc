"""The local runner: a werkzeug front door and function instances that behave like
the chosen platform's (warm between calls, killed on timeout, replaced on crash)."""

from __future__ import annotations
