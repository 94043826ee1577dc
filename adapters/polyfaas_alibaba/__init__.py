"""Alibaba Cloud Function Compute providers (``alibaba``, ``alibaba-wsgi``, ``alibaba-custom``).

Each provider keeps its runtime half (inside FC) and platform half (imitating FC)
side by side in this package. Platform facts: ``reference/alibaba-fc.md``.
"""

from __future__ import annotations
