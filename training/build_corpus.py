"""Merge the hand-written part files into the fixed splits, reporting near-duplicates.

    python -m training.build_corpus        (reads training/data/raw/*.jsonl and raw/train_only/*.jsonl)

A note's split comes from a hash of its id, so adding notes never moves old ones. Notes under
`raw/train_only/` (written later to strengthen training) all go to train: dev and test stay as they were.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from training.corpus import DATA_DIR, SPLITS, parse_line, split_of
from triage.nlp.embedder import Embedder

NEAR_DUPLICATE = 0.9
TRAIN_ONLY = "train_only"


def main(raw_dir: Path = DATA_DIR / "raw") -> int:
    notes, seen = [], set()
    for path in sorted(raw_dir.glob("*.jsonl")) + sorted((raw_dir / TRAIN_ONLY).glob("*.jsonl")):
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            note = parse_line(line, f"{path.name}:{i}")
            if note.id in seen:
                raise SystemExit(f"{path.name}:{i}: duplicate id {note.id}")
            seen.add(note.id)
            notes.append((note, line, path.parent.name == TRAIN_ONLY))
    vectors = Embedder().encode([n.text for n, _, _ in notes])
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -1)
    nearest = sims.max(axis=1)
    share = float((nearest > NEAR_DUPLICATE).mean())
    print(f"{len(notes)} notes; share whose nearest neighbour is above {NEAR_DUPLICATE} cosine: "
          f"{share:.2%}")
    splits = np.array(["train" if train_only else split_of(note.id) for note, _, train_only in notes])
    held = splits != "train"
    leaks = int((sims[~held][:, held].max(axis=1) > NEAR_DUPLICATE).sum()) if held.any() else 0
    print(f"train notes whose nearest dev/test note is above {NEAR_DUPLICATE} cosine: {leaks}")
    out = {name: [] for name in SPLITS}
    for (_, line, _), split in zip(notes, splits):
        out[split].append(json.dumps(json.loads(line), ensure_ascii=False))
    for name, lines in out.items():
        (DATA_DIR / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{name}: {len(lines)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
