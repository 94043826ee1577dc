"""The ``container`` provider's emulated side: what imitates Knative Serving (and
Eventing's CloudEvents delivery) for ``polyfaas run`` and the tests."""
