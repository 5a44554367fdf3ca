"""Benchmarks of arxiv-enrich (``make bench`` writes docs/benchmarks.md)."""
