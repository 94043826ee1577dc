"""polyfaas provider ``container``: the Knative Serving runtime contract.

One handler as a container image for Knative, Cloud Run, Yandex Serverless
Containers and FC custom containers: an HTTP server on ``$PORT`` (``server``),
CloudEvents over HTTP for events (``binding``, ``event_types``), the contract's
variables in the ``Context`` (``context``), JSON log lines (``logs``). The platform
half, for ``polyfaas run`` and the tests, is under ``emulated``.
"""
