"""Ratio benchmarks against the tools people use today (see benchmarks/README.md)."""
