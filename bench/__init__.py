"""Benchmarks of bontot's readers on generated corpora (``python -m bench.parse``)."""
