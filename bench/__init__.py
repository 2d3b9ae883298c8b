"""Benchmarks: each module's `run()` returns rows of {name, seconds, peer, peer_seconds, note}."""

import time


def best_of(fn, *args, repeat: int = 1):
    """(fastest wall-clock seconds over `repeat` calls, the last result)."""
    best, result = float("inf"), None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn(*args)
        best = min(best, time.perf_counter() - t)
    return best, result
