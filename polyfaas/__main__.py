"""``python -m polyfaas`` is the ``polyfaas`` command."""

from __future__ import annotations

from polyfaas.cli import main

raise SystemExit(main())
