"""`triage train`: train, save a new model folder, log it to MLflow and register it as the challenger."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from training.feedback import load_feedback
from training.train import FEEDBACK_WEIGHT, HEAD_EPOCHS, train
from triage.settings import MODELS_DIR, Settings


def default_output() -> Path:
    return MODELS_DIR / f"triage-needs-{datetime.now(UTC):%Y%m%d-%H%M%S}"


def run_training(output: Path | None = None, *, track: bool = True, set_default: bool = False,
                 settings: Settings | None = None, feedback_path: Path | None = None,
                 feedback_weight: float = FEEDBACK_WEIGHT, head_epochs: int | None = None,
                 limit: int | None = None) -> dict:
    settings = settings or Settings()
    feedback = load_feedback(feedback_path) if feedback_path else None  # a bad file fails before training
    output = output or default_output()
    result = train(output, feedback=feedback, feedback_weight=feedback_weight,
                   head_epochs=HEAD_EPOCHS if head_epochs is None else head_epochs, limit=limit)
    summary = {"model_dir": str(result.folder), "dev": result.dev_summary}
    if feedback is not None:
        summary["feedback"] = result.manifest["feedback"]
    if track:
        from training.registry import set_alias
        from training.tracking import log_training_run

        tables = {"dev_per_label": result.dev_table, "thresholds": result.manifest["thresholds"],
                  "dev_confusions": {"pairs": result.dev_confusions}}
        metrics = {f"dev_{k}": v for k, v in result.dev_summary.items()}
        metrics |= {f"dev_{label}_{m}": row[m] for label, row in result.dev_table.items()
                    for m in ("precision", "recall", "f1")}
        if feedback is not None:
            record = result.manifest["feedback"]
            tables["feedback"] = record
            metrics |= {f"feedback_holdout_{k}": v for k, v in record["holdout_metrics"].items()}
            metrics |= {f"feedback_holdout_decision_auc_{k}": v for k, v in record["holdout_decision_auc"].items()
                        if v is not None}
        summary["mlflow"] = log_training_run(settings, result.manifest, metrics, tables, result.folder)
        set_alias(settings, "challenger", summary["mlflow"]["registered_version"])
    if set_default:
        (MODELS_DIR / "DEFAULT").write_text(output.name + "\n", encoding="utf-8")
    return summary
