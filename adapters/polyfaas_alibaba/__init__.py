"""Alibaba Cloud Function Compute providers (``alibaba``, ``alibaba-wsgi``, ``alibaba-custom``).

Each provider keeps its runtime half (inside FC) and platform half (imitating FC)
side by side in this package. Platform facts: ``reference/alibaba-fc.md``.

The ``alibaba`` provider (built-in Python runtime, ``handler(event: bytes, context)``):

- ``event``: the provider itself, both halves (``runtime``, ``platform``);
- ``http_trigger``: FC 3.0 HTTP-trigger events ⇄ ``Request``/``Response``;
- ``triggers`` / ``native_events``: trigger events ⇄ ``Event``/``EventBatch``;
- ``payload``: FC event bytes → the canonical payload;
- ``context`` / ``canonical_context``: FC's context objects (3.9/3.10 and 3.12
  shapes) and their canonical reading;
- ``serialize``: FC's result serialisation and error documents;
- ``lifecycle``: handler loading and an emulated instance with FC's hooks;
- ``samples``: the documented sample events (``polyfaas events alibaba``);
- ``invoke_api``: FC's InvokeFunction path at the runner's front door;
- ``instance_logging``: an instance's root logger as FC's bootstrap sets it up.

The ``alibaba-wsgi`` provider (FC HTTP functions, ``handler(environ, start_response)``):

- ``wsgi``: both halves, FC's environ (``fc.context``, ``fc.request_uri``), its
  request and response limits and forbidden headers.

The ``alibaba-custom`` provider (custom runtime / custom container):

- ``custom``: both halves: FC calling an HTTP server on its port;
- ``custom_server``: ``polyfaas serve --provider alibaba-custom``, the production
  server (gunicorn when installed, werkzeug otherwise);
- ``custom_pool``: the runner's instances of it: a server process per function.

Where FC's documentation is silent, the decisions are listed in ``ASSUMPTIONS.md``.
"""

from __future__ import annotations
