"""Handler return values and exceptions -> ``Response``: the one place that decides.

The code lives in ``polyfaas._response`` (one module fewer on every cold start); this
module keeps the names importable where they always were.
"""

from __future__ import annotations

from polyfaas._response import check_response, error_response, to_response

__all__ = ["check_response", "error_response", "to_response"]
