"""`make bench`: run every benchmark and print one table of measurements against peers."""

import importlib
import pkgutil
import sys
import time

from rich.console import Console
from rich.table import Table

import bench


def _fmt(seconds):
    if seconds is None:
        return ""
    return f"{seconds * 1e6:.2f} µs" if seconds < 1e-3 else f"{seconds * 1e3:.1f} ms" if seconds < 1 else f"{seconds:.2f} s"


def main(only=()):
    table = Table(title="spso-xl benchmarks (peers measured in the same run)")
    for col in ("measurement", "time", "peer", "peer time", "ratio", "note"):
        table.add_column(col)
    started = time.perf_counter()
    for info in pkgutil.iter_modules(bench.__path__):
        if not info.name.startswith("bench_") or (only and not any(o in info.name for o in only)):
            continue
        for row in importlib.import_module(f"bench.{info.name}").run():
            ps = row.get("peer_seconds")
            ratio = f"{ps / row['seconds']:.1f}×" if ps else ""
            table.add_row(row["name"], _fmt(row["seconds"]), row.get("peer", ""), _fmt(ps), ratio, row.get("note", ""))
    Console(width=200).print(table)
    print(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
