"""A model card for each saved model folder, written from its manifest."""

from __future__ import annotations

from pathlib import Path

CARD = """# Model card: {name}

**What it does.** Multi-label classification of social prescribing referral notes into the 13 needs of
the triage taxonomy, plus the two risk flags (self_harm, harm_from_others), with calibrated
probabilities and evidence (the clauses that drove each label). Risk flags are tuned for recall and backed by a rule net of
strong phrases: a flag sends the referral to urgent human review; it never replaces one.

**Intended users.** Link workers and referrers in UK social prescribing, as a first draft to check.
Not a clinical risk assessment, not for automated decisions about a person.

**Model.** {kind}. The n-gram part: a logistic regression per label over context-marked word
n-grams (ConText rules mark negated, historical, hypothetical and other people's mentions) and
lexicon hits by context, Platt-calibrated on out-of-fold scores of the training split. The encoder
part (when present): {embedder} fine-tuned ({head_epochs} epochs; embeddings and bottom layer frozen) with
a multi-label head, each label pooling the tokens with its own attention, on the note with its context runs
bracketed ('denies [negated: low mood]'). The two are blended (the encoder's share, {head_weight}, chosen
on dev) and calibrated again on dev, where per-label thresholds are tuned (needs: best F1; risk flags:
recall {risk_target} on dev, counting the rule net). Training text is PII-redacted before fitting.

**Data.** The hand-written, invented corpus in `training/data/` ({train_notes} train and {dev_notes} dev
notes; the test split is never used in training or tuning). Data hashes: {hashes}.
Every person in it is invented; no real referral text was used.

{feedback}**Dev figures** (from training; test figures come from `triage evaluate --split test`):
{metrics}

**Thresholds.** {thresholds}

**Limitations.** Trained on invented notes written to resemble real ones: expect a drop on real
referrals until it is retrained on link workers' corrected decisions. English only (notes written by
non-native speakers are in the corpus). Long notes are embedded up to 256 word pieces; the n-gram
model and rule net read the whole note.

**Provenance.** Code version {code_version}; created {created}; params {params}.
"""


def write_model_card(folder: Path, manifest: dict) -> Path:
    metrics = "\n".join(f"- {k}: {v:.3f}" for k, v in manifest["dev_metrics"].items())
    thresholds = ", ".join(f"{k} {v:.3f}" for k, v in manifest["thresholds"].items())
    text = CARD.format(
        name=manifest.get("name") or folder.name, kind=manifest.get("kind", "Logistic regression per label"),
        embedder=manifest["embedder"], risk_target=manifest["params"]["risk_recall_target"],
        train_notes=manifest["params"]["train_notes"], dev_notes=manifest["params"]["dev_notes"],
        hashes=", ".join(f"{k} `{v}`" for k, v in manifest["data_hash"].items()), metrics=metrics,
        thresholds=thresholds, code_version=manifest["code_version"], created=manifest["created"],
        params=manifest["params"], head_weight=manifest["params"].get("head_weight", 0.0),
        head_epochs=manifest["params"].get("head_epochs", 0), feedback="{feedback}")
    path = folder / "MODEL_CARD.md"
    text = text.replace("{feedback}", _feedback_section(manifest.get("feedback")))
    path.write_text(text, encoding="utf-8")
    return path


def _feedback_section(record: dict | None) -> str:
    """What the model learnt from link workers' reviews, and how it scores on the held-out ones."""
    if not record:
        return ""
    train, held, figures = record["train"], record["holdout"], record.get("holdout_metrics") or {}
    scored = (f" On the {held['notes']} held-out reviewed notes: micro-F1 {figures['micro_f1']:.3f}, macro-F1 "
              f"{figures['macro_f1']:.3f} over the needs present." if figures else "")
    ranking = record.get("ranking", {})
    weights = ("Ranking weights learnt from " f"{ranking.get('decisions', 0)} decisions "
               f"({ranking.get('accepted', 0)} accepted)." if ranking.get("learnt")
               else f"Ranking weights kept: {ranking.get('why', 'no decisions')}.")
    return (f"**Feedback.** Also trained on {train['notes']} notes reviewed by link workers ({train['corrected']} with "
            f"corrected needs; weight {record['weight']} on the needs, none on risk flags), from the export "
            f"`{record['file_sha256']}`; {held['notes']} reviewed notes held out.{scored} {weights}\n\n")
