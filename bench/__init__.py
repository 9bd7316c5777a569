"""Benchmarks, one module per subject, each run as ``python -m bench.<name>`` (see README.md)."""
