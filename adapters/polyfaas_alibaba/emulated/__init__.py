"""What imitates Function Compute for the local runner and the tests: the platform
halves of ``alibaba``, ``alibaba-wsgi`` and ``alibaba-custom`` and what they share.
Nothing here is imported on a runtime path (inside FC)."""

from __future__ import annotations
