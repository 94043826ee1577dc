"""Benchmarks, kept outside the test suite: ``python -m bench.<name>``."""
