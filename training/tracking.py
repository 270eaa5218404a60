"""MLflow tracking: the only module that imports mlflow. Runs hold figures and the model, never
referral text."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import mlflow
import mlflow.pyfunc
import pandas as pd
from mlflow.models import infer_signature

from triage.settings import Settings

MODEL_NAME = "triage-needs"
EXPERIMENT = "triage-needs"
MATCHING_EXPERIMENT = "triage-matching"
# An invented example, written for the signature: not from any referral.
INPUT_EXAMPLE = pd.DataFrame({"text": ["Lives alone and would like to meet people nearby."]})


class NeedsPyfunc(mlflow.pyfunc.PythonModel):
    """Text in, the classify contract out (one JSON string per row)."""

    def load_context(self, context: Any) -> None:
        from triage.engine import Triage

        self.engine = Triage(Settings(model_dir=Path(context.artifacts["model_dir"]), seed_demo=False))

    def predict(self, context: Any, model_input: pd.DataFrame, params: dict | None = None) -> list[str]:
        from triage.schemas import ReferralIn

        referrals = [ReferralIn(id=str(i), text=t) for i, t in enumerate(model_input["text"])]
        return [c.model_dump_json() for c in self.engine.classify(referrals)]


def configure(settings: Settings, experiment: str = EXPERIMENT) -> None:
    settings.ensure_home()
    os.environ.setdefault("MLFLOW_ARTIFACTS_DESTINATION", settings.mlflow_artifacts.as_uri())
    mlflow.set_tracking_uri(settings.mlflow_uri)
    mlflow.set_registry_uri(settings.mlflow_uri)  # registrations go to the same store, whatever ran before
    if mlflow.get_experiment_by_name(experiment) is None:
        mlflow.create_experiment(experiment, artifact_location=settings.mlflow_artifacts.as_uri())
    mlflow.set_experiment(experiment)


def log_training_run(settings: Settings, manifest: dict, metrics: dict[str, float],
                     tables: dict[str, Any], model_dir: Path | None) -> dict[str, str]:
    """Log params, data hashes, metrics and tables; log and register the model when saved."""
    configure(settings)
    with mlflow.start_run() as run:
        mlflow.log_params({k: json.dumps(v) if isinstance(v, (list, dict)) else v
                           for k, v in manifest["params"].items()})
        mlflow.log_params({f"data_hash_{k}": v for k, v in manifest["data_hash"].items()})
        mlflow.log_params({"embedder": manifest["embedder"], "code_version": manifest["code_version"]})
        mlflow.log_metrics({k: float(v) for k, v in metrics.items()})
        for name, table in tables.items():
            mlflow.log_dict(table, f"{name}.json")
        out = {"run_id": run.info.run_id}
        if model_dir is not None:
            example_output = ['{"id": "0", "needs": [], "risk_flags": []}']
            info = mlflow.pyfunc.log_model(
                name="model", python_model=NeedsPyfunc(), artifacts={"model_dir": str(model_dir)},
                signature=infer_signature(INPUT_EXAMPLE, example_output),
                input_example=INPUT_EXAMPLE, registered_model_name=MODEL_NAME)
            out["model_uri"] = info.model_uri
            out["registered_version"] = str(info.registered_model_version)
    return out


def log_matching_run(settings: Settings, params: dict[str, str], metrics: dict[str, float]) -> str:
    """Log one matching evaluation (ranking weights, data hashes, figures); returns the run id."""
    configure(settings, MATCHING_EXPERIMENT)
    with mlflow.start_run() as run:
        mlflow.log_params(params)
        mlflow.log_metrics({k.replace("@", "_at_"): v for k, v in metrics.items()})
    return str(run.info.run_id)
