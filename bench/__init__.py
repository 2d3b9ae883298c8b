"""Benchmarks: each module's `run()` returns rows of {name, seconds, peer, peer_seconds}."""
