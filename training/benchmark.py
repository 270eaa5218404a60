"""Speed of classification and matching on this machine (a script, not a test).

    python -m training.benchmark [--notes N] [--single N] [--match N]

Prints notes/s for batch classification over the dev split, p50 / p95 ms for classifying one note at
a time, and p50 / p95 ms for matching one note (classification, embeddings, search and ranking)
against the demo directory in a temporary data directory.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from training.corpus import load_split
from triage.engine import Triage
from triage.schemas import ReferralIn
from triage.settings import Settings


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--notes", type=int, default=400)
    args.add_argument("--single", type=int, default=200)
    args.add_argument("--match", type=int, default=100)
    opts = args.parse_args()
    with tempfile.TemporaryDirectory(prefix="triage-bench-") as home:
        engine = Triage(Settings(home=Path(home)))  # classification never opens the directory
        notes = [ReferralIn(id=n.id, text=n.text) for n in load_split("dev")]
        batch = (notes * (opts.notes // len(notes) + 1))[:opts.notes]
        engine.classify(batch[:32])  # warm up
        start = time.perf_counter()
        engine.classify(batch)
        elapsed = time.perf_counter() - start
        words = sum(len(n.text.split()) for n in batch) / len(batch)
        print(f"batch: {len(batch)} notes (mean {words:.0f} words) in {elapsed:.2f} s = "
              f"{len(batch) / elapsed:.1f} notes/s")
        print(f"one note at a time: {one_at_a_time(engine.classify, batch[:opts.single])}")
        engine.match(batch[:2])  # loads the demo directory and warms up
        print(f"match one note: {one_at_a_time(engine.match, batch[:opts.match])} "
              f"({engine.catalogue.index.size} assets)")


def one_at_a_time(call: Callable[[list[ReferralIn]], object], notes: list[ReferralIn]) -> str:
    """p50 and p95 ms of calling with one note at a time."""
    timings = []
    for note in notes:
        t0 = time.perf_counter()
        call([note])
        timings.append((time.perf_counter() - t0) * 1000)
    q = statistics.quantiles(timings, n=100)
    return f"p50 {q[49]:.1f} ms, p95 {q[94]:.1f} ms over {len(timings)} notes"

if __name__ == "__main__":
    main()
