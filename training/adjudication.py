"""Adjudicating the corpus labels after a blind second annotation.

    python -m training.adjudication questions BLIND QUESTIONS   (the labels the two passes disagree on)
    python -m training.adjudication apply DECISIONS              (write the adjudicated labels to raw/)

A second annotator labels notes from the text alone (see `training.label_agreement`). Every label the
two passes disagree on becomes a question; a third annotator, shown the note and the contested labels
but not who gave them, decides each one by the label guide. `apply` writes the decisions into the part
files under `raw/` (all files or none); `python -m training.build_corpus` then rebuilds the splits.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from training.corpus import DATA_DIR, LabelledNote, parse_line
from training.label_agreement import blind_notes, corpus_by_id
from triage.taxonomy import NEED_IDS, RISK_IDS

RAW_DIR = DATA_DIR / "raw"


@dataclass(frozen=True)
class Decision:
    id: str
    label: str
    present: bool
    reason: str = ""


def contested(gold: LabelledNote, blind: LabelledNote) -> list[str]:
    """The labels exactly one of the two passes gave, in taxonomy order."""
    differ = set(gold.labels) ^ set(blind.labels)
    return [label for label in (*NEED_IDS, *RISK_IDS) if label in differ]


def questions(blind_path: Path) -> list[dict]:
    """One question per note with a contested label: its id, text and the labels to decide."""
    reference = corpus_by_id()
    out = []
    for blind in blind_notes(blind_path, reference):
        labels = contested(reference[blind.id], blind)
        if labels:
            out.append({"id": blind.id, "text": blind.text, "contested": labels})
    return out


def load_decisions(path: Path) -> list[Decision]:
    """Decisions from JSON Lines; a line that is not a decision on a known label is named by number."""
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            decision = Decision(str(row["id"]), row["label"], bool(row["present"]), row.get("reason", ""))
        except (json.JSONDecodeError, KeyError, TypeError):
            raise ValueError(f"{path}:{i}: not a decision (id, label, present)") from None
        if decision.label not in NEED_IDS and decision.label not in RISK_IDS:
            raise ValueError(f"{path}:{i}: unknown label '{decision.label}'")
        out.append(decision)
    return out


def relabelled(note: LabelledNote, decisions: Iterable[Decision]) -> dict:
    """The note's corpus line with the decisions applied (a need found present leaves `ruled_out`)."""
    needs, flags, ruled_out = list(note.needs), list(note.risk_flags), list(note.ruled_out)
    for d in decisions:
        labels = needs if d.label in NEED_IDS else flags
        if d.present and d.label not in labels:
            labels.append(d.label)
        elif not d.present and d.label in labels:
            labels.remove(d.label)
        if d.present and d.label in ruled_out:
            ruled_out.remove(d.label)
    return {"id": note.id, "text": note.text, "needs": needs, "risk_flags": flags, "source": note.source,
            "style": note.style, "hard": list(note.hard), "ruled_out": ruled_out}


def apply(decisions: list[Decision], raw_dir: Path = RAW_DIR) -> int:
    """Rewrite the part files holding decided notes; returns how many notes changed. An id found in no
    part file stops it before anything is written."""
    by_id: dict[str, list[Decision]] = {}
    for d in decisions:
        by_id.setdefault(d.id, []).append(d)
    rewritten: dict[Path, list[str]] = {}
    found, changed = set(), 0
    for path in sorted(raw_dir.rglob("*.jsonl")):
        lines = path.read_text(encoding="utf-8").splitlines()
        for i, line in enumerate(lines):
            if not line.strip():
                continue
            note = parse_line(line, f"{path.name}:{i + 1}")
            if note.id not in by_id:
                continue
            found.add(note.id)
            new = relabelled(note, by_id[note.id])
            if (tuple(new["needs"]), tuple(new["risk_flags"])) != (note.needs, note.risk_flags):
                lines[i] = json.dumps(new, ensure_ascii=False)
                rewritten[path] = lines
                changed += 1
    missing = sorted(set(by_id) - found)
    if missing:
        raise ValueError(f"ids in no part file: {', '.join(missing[:5])}")
    staged = []
    for path, lines in rewritten.items():
        temp = path.with_suffix(".jsonl.tmp")
        temp.write_text("\n".join(lines) + "\n", encoding="utf-8")
        staged.append((temp, path))
    for temp, path in staged:
        os.replace(temp, path)
    return changed


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    commands = args.add_subparsers(dest="command", required=True)
    ask = commands.add_parser("questions", help="the contested labels of a blind pass")
    ask.add_argument("blind", type=Path)
    ask.add_argument("output", type=Path)
    write = commands.add_parser("apply", help="write adjudicated labels to the part files")
    write.add_argument("decisions", type=Path)
    opts = args.parse_args()
    if opts.command == "questions":
        rows = questions(opts.blind)
        opts.output.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
        print(f"{len(rows)} notes with {sum(len(r['contested']) for r in rows)} contested labels -> {opts.output}")
    else:
        try:
            changed = apply(load_decisions(opts.decisions))
        except ValueError as e:
            raise SystemExit(str(e)) from None
        print(f"{changed} notes relabelled; run `python -m training.build_corpus` to rebuild the splits")


if __name__ == "__main__":
    main()
