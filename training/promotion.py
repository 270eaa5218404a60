"""`triage promote` and `triage rollback`: the gate between a challenger and the champion.

A challenger takes the alias `champion` only if, on the fixed test split, macro-F1 over needs and
risk-flag recall do not drop, and, on the feedback holdout (reviewed referrals no model trains on), macro-F1
over needs does not drop. `--force` moves the alias anyway and records who overrode the gate and why. Every
comparison is logged to the MLflow experiment `triage-promotions` (figures only, never text).
"""

from __future__ import annotations

import getpass
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from training.corpus import DATA_DIR, data_hash, load_split
from training.feedback import Feedback, feedback_notes, load_feedback
from training.ranking_weights import decision_auc
from training.registry import (
    CHAMPION_ALIAS,
    alias_version,
    get_version,
    set_alias,
    set_tags,
    version_folder,
)
from training.scoring import needs_scores, scores
from triage.errors import InputError
from triage.matching.weights_file import read_ranking_weights
from triage.nlp.bundle import load_model
from triage.nlp.notes import NoteParser
from triage.settings import Settings

CHAMPION = CHAMPION_ALIAS
PROMOTIONS_EXPERIMENT = "triage-promotions"
TEST_GATES = ("macro_f1", "risk_recall")  # on the test split: neither may drop
HOLDOUT_GATES = ("macro_f1",)  # on the feedback holdout (needs only: risk flags are not reviewed there)


@dataclass(frozen=True)
class Figures:
    version: str
    test: dict[str, float]
    holdout: dict[str, float]
    decision_auc: float | None


@dataclass(frozen=True)
class Check:
    name: str
    challenger: float
    champion: float

    @property
    def passed(self) -> bool:
        return self.challenger >= self.champion - 1e-9


@dataclass
class Comparison:
    challenger: Figures
    champion: Figures | None
    checks: list[Check] = field(default_factory=list)
    holdout_notes: int = 0

    @property
    def passed(self) -> bool:
        return all(c.passed for c in self.checks)


@dataclass(frozen=True)
class Promotion:
    comparison: Comparison
    decision: str  # promoted, forced, refused
    champion_before: str | None
    champion_after: str | None
    run_id: str


def compare(settings: Settings, challenger: str, *, feedback_path: Path | None = None,
            data_dir: Path = DATA_DIR) -> Comparison:
    """The challenger and the champion on the test split and the feedback holdout."""
    champion = alias_version(settings, CHAMPION)
    feedback = _holdout(settings, challenger, feedback_path)
    parser, tests = NoteParser(), load_split("test", data_dir)
    figures = {v: _figures(settings, v, tests, feedback, parser) for v in {challenger, champion} if v}
    comparison = Comparison(figures[challenger], figures.get(champion) if champion else None,
                            holdout_notes=len(feedback.needs) if feedback else 0)
    if champion and champion != challenger:
        ours, theirs = figures[challenger], figures[champion]
        comparison.checks = [Check(f"test_{m}", ours.test[m], theirs.test[m]) for m in TEST_GATES]
        if comparison.holdout_notes:
            comparison.checks += [Check(f"holdout_{m}", ours.holdout[m], theirs.holdout[m]) for m in HOLDOUT_GATES]
    return comparison


def promote(settings: Settings, version: str, *, force: bool = False, actor: str | None = None,
            reason: str = "", feedback_path: Path | None = None) -> Promotion:
    """Move `champion` to `version` if the gate passes (or `force`, with a reason); log the comparison."""
    get_version(settings, version)
    if force and not reason.strip():
        raise InputError("reason", "say why the gate is overridden (--reason)")
    actor = actor or getpass.getuser()
    before = alias_version(settings, CHAMPION)
    if before == str(version):
        raise InputError("version", f"version {version} is already the champion")
    comparison = compare(settings, version, feedback_path=feedback_path)
    decision = "promoted" if comparison.passed else ("forced" if force else "refused")
    if decision != "refused":
        set_alias(settings, CHAMPION, version)
        set_tags(settings, version, {"promoted_by": actor, "promoted_at": _now(), "previous_champion": before or "",
                                     "gate": "passed" if decision == "promoted" else f"overridden by {actor}: {reason}"})
    after = version if decision != "refused" else before
    run_id = _log(settings, comparison, decision=decision, actor=actor, reason=reason, before=before, after=after)
    return Promotion(comparison, decision, before, after, run_id)


def rollback(settings: Settings, *, actor: str | None = None, to: str | None = None, reason: str = "") -> Promotion:
    """Give `champion` back to the version that held it before the current one (or to `to`)."""
    actor = actor or getpass.getuser()
    current = alias_version(settings, CHAMPION)
    if current is None:
        raise InputError("champion", "no version holds the alias 'champion': nothing to roll back")
    target = to or get_version(settings, current).tags.get("previous_champion") or ""
    if not target:
        raise InputError("to", f"version {current} was the first champion; name the version to go back to with --to")
    get_version(settings, target)
    set_alias(settings, CHAMPION, target)
    set_tags(settings, target, {"rolled_back_to_by": actor, "rolled_back_to_at": _now()})
    comparison = Comparison(Figures(target, {}, {}, None), None)
    run_id = _log(settings, comparison, decision="rolled_back", actor=actor, reason=reason, before=current,
                  after=target)
    return Promotion(comparison, "rolled_back", current, target, run_id)


def _holdout(settings: Settings, challenger: str, path: Path | None) -> Feedback | None:
    """The feedback holdout to compare on: the file given, else the one the challenger was trained with."""
    if path is None:
        manifest = json.loads((version_folder(settings, challenger) / "manifest.json").read_text(encoding="utf-8"))
        recorded = manifest.get("feedback", {})
        if not recorded.get("file"):
            return None
        path = Path(recorded["file"])
        if not path.is_file():
            raise InputError("feedback", f"version {challenger} was trained with '{path}', which is gone; "
                                         "give the feedback file with --feedback")
    return load_feedback(path).part(holdout=True)


def _figures(settings: Settings, version: str, tests: list, feedback: Feedback | None,
             parser: NoteParser) -> Figures:
    folder = version_folder(settings, version)
    classifier, _ = load_model(folder)
    holdout = needs_scores(classifier, feedback_notes(feedback.needs), parser) if feedback and feedback.needs else {}
    auc = decision_auc(feedback.suggestions, read_ranking_weights(folder)) if feedback else None
    return Figures(version, scores(classifier, tests, parser), holdout, auc)


def _log(settings: Settings, comparison: Comparison, *, decision: str, actor: str, reason: str,
         before: str | None, after: str | None) -> str:
    import mlflow

    from training.tracking import configure

    configure(settings, PROMOTIONS_EXPERIMENT)
    with mlflow.start_run(run_name=f"{decision} v{comparison.challenger.version}") as run:
        mlflow.log_params({"challenger": comparison.challenger.version, "champion_before": before or "",
                           "champion_after": after or "", "decision": decision, "actor": actor,
                           "reason": reason[:500], "test_data_hash": data_hash()["test"],
                           "holdout_notes": comparison.holdout_notes})
        for side, figures in (("challenger", comparison.challenger), ("champion", comparison.champion)):
            if figures is None:
                continue
            mlflow.log_metrics({f"{side}_test_{k}": v for k, v in figures.test.items()})
            mlflow.log_metrics({f"{side}_holdout_{k}": v for k, v in figures.holdout.items()})
            if figures.decision_auc is not None:
                mlflow.log_metric(f"{side}_holdout_decision_auc", figures.decision_auc)
        mlflow.log_dict({"checks": [asdict(c) | {"passed": c.passed} for c in comparison.checks],
                         "challenger": asdict(comparison.challenger),
                         "champion": asdict(comparison.champion) if comparison.champion else None}, "comparison.json")
    return str(run.info.run_id)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def render(promotion: Promotion) -> str:
    """The comparison as a table, and what was done."""
    c = promotion.comparison
    against = f"champion v{c.champion.version}" if c.champion else "no champion (first promotion)"
    lines = [f"challenger v{c.challenger.version} against {against}"]
    if c.checks:
        lines.append(f"{'check':24s}{'challenger':>12s}{'champion':>12s}  result")
        lines += [f"{k.name:24s}{k.challenger:12.4f}{k.champion:12.4f}  {'ok' if k.passed else 'DROPS'}"
                  for k in c.checks]
    for side, figures in (("challenger", c.challenger), ("champion", c.champion)):
        if figures is not None and figures.test:
            lines.append(f"{side} test: " + ", ".join(f"{k}={figures.test[k]:.4f}" for k in
                                                      ("micro_f1", "macro_f1", "risk_recall", "risk_precision")))
            if figures.holdout:
                lines.append(f"{side} holdout ({int(figures.holdout['notes'])} notes): micro_f1="
                             f"{figures.holdout['micro_f1']:.4f}, macro_f1={figures.holdout['macro_f1']:.4f}"
                             + (f", decision AUC={figures.decision_auc:.4f}" if figures.decision_auc is not None else ""))
    lines.append({"promoted": f"promoted: champion is now v{promotion.champion_after}",
                  "forced": f"gate overridden: champion is now v{promotion.champion_after}",
                  "refused": f"refused: champion stays {('v' + promotion.champion_before) if promotion.champion_before else 'unset'}",
                  "rolled_back": f"rolled back: champion v{promotion.champion_before} -> v{promotion.champion_after}",
                  }[promotion.decision] + f" (MLflow run {promotion.run_id})")
    return "\n".join(lines)
