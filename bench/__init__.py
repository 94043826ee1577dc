"""polyfaas benchmarks against its peers (``python -m bench``); not part of the tests."""

from __future__ import annotations

import os
import sys

# The adapters' import root, for running a section from the checkout (``python -m
# bench.percall``) without installing polyfaas.
_ADAPTERS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "adapters")
if _ADAPTERS not in sys.path:
    sys.path.append(_ADAPTERS)
