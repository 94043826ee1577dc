"""A module whose import fails, as a user's broken deploy would."""

from __future__ import annotations

raise RuntimeError("cannot connect to the database at import time")
