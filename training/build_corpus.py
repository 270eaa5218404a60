"""Merge the hand-written part files into the fixed splits, reporting near-duplicates.

    python -m training.build_corpus        (reads training/data/raw/*.jsonl)
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from training.corpus import DATA_DIR, SPLITS, parse_line, split_of
from triage.nlp.embedder import Embedder

NEAR_DUPLICATE = 0.9


def main(raw_dir: Path = DATA_DIR / "raw") -> int:
    notes, seen = [], set()
    for path in sorted(raw_dir.glob("*.jsonl")):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            note = parse_line(line, f"{path.name}:{i}")
            if note.id in seen:
                raise SystemExit(f"{path.name}:{i}: duplicate id {note.id}")
            seen.add(note.id)
            notes.append((note, line))
    vectors = Embedder().encode([n.text for n, _ in notes])
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -1)
    nearest = sims.max(axis=1)
    share = float((nearest > NEAR_DUPLICATE).mean())
    print(f"{len(notes)} notes; share whose nearest neighbour is above {NEAR_DUPLICATE} cosine: "
          f"{share:.2%}")
    out = {name: [] for name in SPLITS}
    for note, line in notes:
        out[split_of(note.id)].append(json.dumps(json.loads(line), ensure_ascii=False))
    for name, lines in out.items():
        (DATA_DIR / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{name}: {len(lines)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
