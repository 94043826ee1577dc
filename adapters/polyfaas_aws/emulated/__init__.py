"""The AWS front doors imitated: API Gateway (REST and HTTP APIs), function URLs and
the Application Load Balancer, in front of a Lambda function (``platform``)."""

from __future__ import annotations
