"""Benchmarks and relevance evaluation for talash (not part of the installed package)."""
