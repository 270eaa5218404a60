"""`triage train`: train, save a new model folder, log it to MLflow."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from training.train import train
from triage.settings import MODELS_DIR, Settings


def default_output() -> Path:
    return MODELS_DIR / f"triage-needs-{datetime.now(timezone.utc):%Y%m%d-%H%M%S}"


def run_training(output: Path | None = None, *, track: bool = True, set_default: bool = False,
                 settings: Settings | None = None) -> dict:
    settings = settings or Settings()
    output = output or default_output()
    result = train(output)
    summary = {"model_dir": str(result.folder), "dev": result.dev_summary}
    if track:
        from training.tracking import log_training_run

        tables = {"dev_per_label": result.dev_table, "thresholds": result.manifest["thresholds"],
                  "dev_confusions": {"pairs": result.dev_confusions}}
        metrics = {f"dev_{k}": v for k, v in result.dev_summary.items()}
        metrics |= {f"dev_{label}_{m}": row[m] for label, row in result.dev_table.items()
                    for m in ("precision", "recall", "f1")}
        summary["mlflow"] = log_training_run(settings, result.manifest, metrics, tables, result.folder)
    if set_default:
        (MODELS_DIR / "DEFAULT").write_text(output.name + "\n", encoding="utf-8")
    return summary
