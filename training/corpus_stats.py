"""Corpus figures: notes per split, positives and ruled-out mentions per label, hard cases, styles.

    python -m training.corpus_stats
"""

from __future__ import annotations

from collections import Counter

from training.corpus import SPLITS, load_split
from triage.taxonomy import NEED_IDS, RISK_IDS


def main() -> None:
    notes = {name: load_split(name) for name in SPLITS}
    everything = [n for group in notes.values() for n in group]
    print("notes: " + ", ".join(f"{k} {len(v)}" for k, v in notes.items()) + f", total {len(everything)}")
    positives = Counter(label for n in everything for label in n.labels)
    ruled_out = Counter(need for n in everything for need in n.ruled_out if need not in n.needs)
    for label in NEED_IDS + RISK_IDS:
        extra = f"  ruled out (not a label) {ruled_out[label]:4d}" if label in NEED_IDS else ""
        print(f"  {label:22s} positives {positives[label]:4d}{extra}")
    hard = sum(bool(n.hard) for n in everything)
    print(f"hard cases: {hard} ({hard / len(everything):.0%}); tags: "
          + ", ".join(f"{k} {v}" for k, v in Counter(t for n in everything for t in n.hard).most_common()))
    print("styles: " + ", ".join(f"{k} {v}" for k, v in Counter(n.style for n in everything).most_common()))
    print("sources: " + ", ".join(f"{k} {v}" for k, v in Counter(n.source for n in everything).most_common()))
    words = sorted(len(n.text.split()) for n in everything)
    print(f"words per note: min {words[0]}, median {words[len(words) // 2]}, max {words[-1]}; "
          f"no needs: {sum(not n.needs for n in everything)}; max needs per note: "
          f"{max(len(n.needs) for n in everything)}")


if __name__ == "__main__":
    main()
