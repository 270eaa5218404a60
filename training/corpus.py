"""The labelled corpus: fixed train / dev / test splits under training/data/."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from triage.taxonomy import LABELS, NEED_IDS, RISK_IDS

DATA_DIR = Path(__file__).resolve().parent / "data"
SPLITS = ("train", "dev", "test")
STYLES = ("gp_shorthand", "agency_narrative", "self_referral", "non_native")


@dataclass(frozen=True)
class LabelledNote:
    id: str
    text: str
    needs: tuple[str, ...]
    risk_flags: tuple[str, ...]
    source: str
    style: str
    hard: tuple[str, ...]
    ruled_out: tuple[str, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        return self.needs + self.risk_flags


def parse_line(line: str, where: str) -> LabelledNote:
    """One corpus line, validated: labels from the taxonomy, a style from STYLES."""
    try:
        raw = json.loads(line)
        note_id, text = raw["id"], raw["text"]
    except json.JSONDecodeError as e:
        raise ValueError(f"{where}: not JSON ({e.msg})") from None
    except (KeyError, TypeError):
        raise ValueError(f"{where}: not a note (an object with at least 'id' and 'text')") from None
    note = LabelledNote(
        id=str(note_id), text=text, needs=tuple(raw.get("needs", [])),
        risk_flags=tuple(raw.get("risk_flags", [])), source=raw.get("source", ""),
        style=raw.get("style", ""), hard=tuple(raw.get("hard", [])),
        ruled_out=tuple(raw.get("ruled_out", [])))
    bad = [n for n in note.needs + note.ruled_out if n not in NEED_IDS]
    bad += [f for f in note.risk_flags if f not in RISK_IDS]
    if bad or note.style not in STYLES or not note.text.strip():
        raise ValueError(f"{where}: bad labels {bad} or style '{note.style}' or empty text")
    return note


def load_split(name: str, data_dir: Path = DATA_DIR) -> list[LabelledNote]:
    if name not in SPLITS:
        raise ValueError(f"unknown split '{name}'; valid splits: {', '.join(SPLITS)}")
    return load_notes(data_dir / f"{name}.jsonl")


def load_notes(path: Path) -> list[LabelledNote]:
    """Every labelled note of a JSON Lines file; a bad line is named by file and number."""
    with path.open(encoding="utf-8") as handle:
        return [parse_line(line, f"{path}:{i}") for i, line in enumerate(handle, 1) if line.strip()]


def label_matrix(notes: Sequence[LabelledNote], labels: Sequence[str] = LABELS) -> np.ndarray:
    index = {label: i for i, label in enumerate(labels)}
    Y = np.zeros((len(notes), len(labels)), dtype=np.int8)
    for row, note in enumerate(notes):
        for label in note.labels:
            Y[row, index[label]] = 1
    return Y


def split_of(note_id: str, *, dev: float = 0.15, test: float = 0.2) -> str:
    """A fixed split from a hash of the id, so adding notes never moves old ones."""
    bucket = int(hashlib.sha256(note_id.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "test" if bucket < test else "dev" if bucket < test + dev else "train"


def data_hash(data_dir: Path = DATA_DIR) -> dict[str, str]:
    return {name: hashlib.sha256((data_dir / f"{name}.jsonl").read_bytes()).hexdigest()[:16]
            for name in SPLITS}
