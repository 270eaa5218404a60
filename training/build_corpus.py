"""Merge the hand-written part files into the fixed splits, reporting near-duplicates.

    python -m training.build_corpus        (reads training/data/raw/*.jsonl, raw/train_only/, raw/dev_only/)

A note's split comes from a hash of its id, so adding notes never moves old ones. Notes written later
go where they were written for: `raw/train_only/` to train (more to learn from), `raw/dev_only/` to dev
(more risk-flag positives to tune thresholds on). The test split stays as it was.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from training.corpus import DATA_DIR, SPLITS, parse_line, split_of
from triage.nlp.embedder import Embedder

NEAR_DUPLICATE = 0.9
TRAIN_ONLY = "train_only"
DEV_ONLY = "dev_only"
FOLDER_SPLIT = {TRAIN_ONLY: "train", DEV_ONLY: "dev"}


@dataclass(frozen=True)
class BuildReport:
    notes: int
    near_duplicate_share: float  # notes whose nearest neighbour is above NEAR_DUPLICATE cosine
    train_near_held_out: int  # train notes above NEAR_DUPLICATE to a dev or test note
    sizes: dict[str, int]


def build(raw_dir: Path, out_dir: Path, embedder: Embedder) -> BuildReport:
    """Read every part file (a bad line or a repeated id stops the build, naming file and line), then
    write the three splits."""
    notes, seen = [], set()
    later = [path for folder in FOLDER_SPLIT for path in sorted((raw_dir / folder).glob("*.jsonl"))]
    for path in sorted(raw_dir.glob("*.jsonl")) + later:
        for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip():
                continue
            note = parse_line(line, f"{path.name}:{i}")
            if note.id in seen:
                raise ValueError(f"{path.name}:{i}: duplicate id {note.id}")
            seen.add(note.id)
            split = FOLDER_SPLIT[path.parent.name] if path.parent != raw_dir else split_of(note.id)
            notes.append((note, line, split))
    vectors = embedder.encode([n.text for n, _, _ in notes])
    sims = vectors @ vectors.T
    np.fill_diagonal(sims, -1)
    splits = np.array([split for _, _, split in notes])
    held = splits != "train"
    near_held = int((sims[~held][:, held].max(axis=1) > NEAR_DUPLICATE).sum()) if held.any() and (~held).any() else 0
    out: dict[str, list[str]] = {name: [] for name in SPLITS}
    for _, line, split in notes:
        out[split].append(json.dumps(json.loads(line), ensure_ascii=False))
    for name, lines in out.items():
        (out_dir / f"{name}.jsonl").write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
    return BuildReport(len(notes), float((sims.max(axis=1) > NEAR_DUPLICATE).mean()) if len(notes) > 1 else 0.0,
                       near_held, {name: len(lines) for name, lines in out.items()})


def main(raw_dir: Path = DATA_DIR / "raw") -> int:
    try:
        report = build(raw_dir, DATA_DIR, Embedder())
    except ValueError as e:
        print(e, file=sys.stderr)
        return 1
    print(f"{report.notes} notes; share whose nearest neighbour is above {NEAR_DUPLICATE} cosine: "
          f"{report.near_duplicate_share:.2%}")
    print(f"train notes whose nearest dev/test note is above {NEAR_DUPLICATE} cosine: {report.train_near_held_out}")
    print(", ".join(f"{name}: {size}" for name, size in report.sizes.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
