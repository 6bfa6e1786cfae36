"""Benchmarks of Stockade against its peers: `python -m bench` (make bench)."""
