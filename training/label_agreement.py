"""Agreement between the corpus labels and a blind second annotator (who saw only the text).

    python -m training.label_agreement training/data/review/blind_test_pass.jsonl

Prints micro-F1 over needs between the two label sets (the corpus as reference), the share of notes
labelled identically, agreement on each risk flag and the labels disagreed on most. It estimates how
far any model can agree with the corpus: two careful annotators do not agree perfectly.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from training.corpus import SPLITS, LabelledNote, label_matrix, load_split
from training.metrics import summary
from triage.taxonomy import LABELS, RISK_IDS


def corpus_by_id() -> dict[str, LabelledNote]:
    notes = [n for name in SPLITS for n in load_split(name)]
    return {n.id: n for n in notes}


def blind_notes(path: Path, reference: dict[str, LabelledNote]) -> list[LabelledNote]:
    """The second annotator's labels as notes (a line naming an unknown id is an error)."""
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.strip():
            row = json.loads(line)
            if row["id"] not in reference:
                raise SystemExit(f"{path}:{i}: id {row['id']} is not in the corpus")
            gold = reference[row["id"]]
            out.append(LabelledNote(gold.id, gold.text, tuple(row["needs"]), tuple(row["risk_flags"]),
                                    gold.source, gold.style, gold.hard, ()))
    return out


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("blind", type=Path)
    path = args.parse_args().blind
    reference = corpus_by_id()
    blind = blind_notes(path, reference)
    gold = [reference[n.id] for n in blind]
    G, B = label_matrix(gold), label_matrix(blind)
    figures = summary(G, B)
    print(f"{len(blind)} notes: needs micro-F1 {figures['micro_f1']:.3f} (precision {figures['micro_precision']:.3f}, "
          f"recall {figures['micro_recall']:.3f} against the corpus), macro-F1 {figures['macro_f1']:.3f}; "
          f"labelled identically {(G == B).all(axis=1).mean():.3f}")
    for flag in RISK_IDS:
        j = LABELS.index(flag)
        print(f"  {flag}: corpus {int(G[:, j].sum())}, second annotator {int(B[:, j].sum())}, "
              f"both {int((G[:, j] & B[:, j]).sum())}")
    disagreements = Counter({label: int((G[:, j] != B[:, j]).sum()) for j, label in enumerate(LABELS)})
    print("notes disagreed on, by label: " + ", ".join(f"{k} {v}" for k, v in disagreements.most_common() if v))


if __name__ == "__main__":
    main()
