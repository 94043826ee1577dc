"""Alibaba Cloud Function Compute providers (``alibaba``, ``alibaba-wsgi``, ``alibaba-custom``).

The cloud (runtime) code is at the top, one module per surface; everything that
imitates FC for the runner and the tests is under ``emulated/``, which nothing at the
top imports. "Reference §n" in the docstrings is a section of the project's FC
reference sheet (``alibaba-fc``), whose sources ``ASSUMPTIONS.md`` lists; the documented
sample events are the JSON files of ``samples/`` (``polyfaas events alibaba``).

Cloud side:

- ``builtin``: the built-in Python runtime's event handler ``handler(event: bytes,
  context)`` (``alibaba``): ``AlibabaRuntime``, ``runtime``, ``initializer()``, FC
  event bytes → the canonical payload;
- ``http_trigger``: FC 3.0 HTTP-trigger events → ``Request``, ``Response`` → the
  trigger's result;
- ``triggers``: trigger events (timer, OSS, SLS, MNS, EventBridge) → ``Event``/
  ``EventBatch``;
- ``context``: an FC context (either runtime shape, or a look-alike) → the canonical
  ``Context``;
- ``native_context``: FC's context objects (3.9/3.10 and 3.12 shapes), which the
  custom-runtime server and the emulated platforms build;
- ``serialize``: FC's result serialisation and error documents;
- ``wsgi``: the WSGI HTTP function ``handler(environ, start_response)``
  (``alibaba-wsgi``);
- ``custom``: the custom-runtime server, ``polyfaas serve --provider alibaba-custom``
  (``alibaba-custom``; gunicorn when installed, werkzeug otherwise).

Emulated side (``emulated/``):

- ``emulated.builtin``, ``emulated.wsgi``, ``emulated.custom``: the three platform
  halves, each with its provider's facts;
- ``emulated.fc_base``: what FC does alike for all three (instance variables, the
  context object, error answers, log lines, lifecycle-hook calls);
- ``emulated.front_door``: FC's InvokeFunction path, its request and response
  limits, the errors it answers itself;
- ``emulated.http_trigger``: ``Request`` → the HTTP-trigger event, the trigger's
  result → ``Response``;
- ``emulated.native_events``: ``Event`` → the trigger event FC would send;
- ``emulated.instance_logging``: an instance's root logger as FC's bootstrap sets it up;
- ``emulated.custom_pool``: the runner's instances of a custom runtime (a server
  process per function).

Where FC's documentation is silent, the decisions are listed in ``ASSUMPTIONS.md``.
"""

from __future__ import annotations
