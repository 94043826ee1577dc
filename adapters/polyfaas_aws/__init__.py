"""AWS Lambda providers behind HTTP front doors (``aws-gateway``, ``aws-http``, ``aws-alb``).

The cloud (runtime) code is at the top, one module a surface; it is all a deployed
function imports:

- ``function``: the runtime half ``AwsHttpRuntime`` (detection, decoding any of the
  three envelopes, encoding the answer in the envelope the call came in) and its
  objects ``gateway_runtime``, ``http_runtime`` and ``alb_runtime``;
- ``rest``: API Gateway REST API proxy integration, payload format 1.0;
- ``http_api``: API Gateway HTTP API payload format 2.0 and Lambda function URLs;
- ``alb``: Application Load Balancer target events, with and without multi-value headers;
- ``envelope``: what the three envelopes share (header pairs, text media types);
- ``context``: the Lambda ``context`` object read as a ``polyfaas.Context``.

Everything that imitates the cloud, for the local runner and the tests, is under
``emulated`` and never imported on a runtime path. ``samples/<kind>.json`` are the
documented sample events (``polyfaas events aws-gateway``); every source and every
remaining guess is in ``ASSUMPTIONS.md`` next to this file.
"""

from __future__ import annotations
