"""The registered model through standard MLflow tooling, as a platform team would use it: loaded with
`mlflow.pyfunc.load_model`, served by `mlflow models serve`, and applied to a batch with
`mlflow.pyfunc.spark_udf` on a local Apache Spark. Each runs in its own process group against a
temporary MLflow store holding the shipped model (registered once, not trained) as
models:/triage-needs@champion; every process group is killed when its test ends.

The notes are invented for these tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from conftest import process_env

CHAMPION = "models:/triage-needs@champion"
BIN = Path(sys.executable).parent
pytestmark = pytest.mark.filterwarnings("ignore:PySpark does not yet fully support pandas:FutureWarning")
LOADED_WITHIN = 180  # seconds for a fresh process to import the stack and load the model

# Invented notes and what the model must find in each: needs that must appear, and the risk flags
# that must appear (an empty set means that none may).
BEREAVED = ("Mrs Ash was widowed in June. Since her husband died she says she is terribly lonely, "
            "eats alone and has nobody to talk to most days.")
SELF_HARM = "He disclosed that he has been cutting himself again and said he wants to end his life."
EVICTION = ("Behind on his rent after his hours were cut; the landlord has served an eviction notice and "
            "he also has council tax arrears he cannot pay.")
FOOD = "Cannot afford food this week and has been skipping meals so the children can eat."
REDUNDANT = "Made redundant in the spring and wants help writing a CV and finding work."
CARER = "Cares full time for her husband who has dementia, is exhausted and has had no break in a year."
DRINKING = "Has been drinking heavily every day since the divorce and wants help to cut down on alcohol."
EXPECTED: dict[str, tuple[set[str], set[str]]] = {
    BEREAVED: ({"bereavement", "loneliness"}, set()),
    SELF_HARM: (set(), {"self_harm"}),
    EVICTION: ({"housing", "debt"}, set()),
    FOOD: ({"food_insecurity"}, set()),
    REDUNDANT: ({"employment"}, set()),
    CARER: ({"carer_support"}, set()),
    DRINKING: ({"substance_use"}, set()),
}


def assert_classified(notes: list[str], outputs: list[str]) -> None:
    """One JSON string per note, in order, holding the expected needs and risk flags."""
    assert len(outputs) == len(notes), outputs
    for i, (note, output) in enumerate(zip(notes, outputs)):
        assert isinstance(output, str), output
        result = json.loads(output)
        assert result["id"] == str(i)
        needs = {n["need"] for n in result["needs"]}
        flags = {f["flag"] for f in result["risk_flags"]}
        expected_needs, expected_flags = EXPECTED[note]
        assert expected_needs <= needs, (note, needs)
        if expected_flags:
            assert expected_flags <= flags, (note, flags)
        else:
            assert not flags, (note, flags)
        assert all(0.0 <= n["score"] <= 1.0 for n in result["needs"] + result["risk_flags"])


def stop_group(process: subprocess.Popen) -> None:
    """SIGTERM to the process and everything it started (its own session); SIGKILL if it does not stop
    within 30 s, and to whatever of the group outlived it (a JVM, a uvicorn worker)."""
    def signal_group(sig: int) -> None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass

    signal_group(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        signal_group(signal.SIGKILL)
        process.wait(timeout=30)
    signal_group(signal.SIGKILL)


def run_python(script: str, notes: list[str], env: dict[str, str], timeout: float) -> list[str]:
    """Run `script` in a plain venv python with the notes as argv[1]; its last stdout line is JSON."""
    process = subprocess.Popen([sys.executable, "-c", script, json.dumps(notes)], env=env, text=True,
                               stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               start_new_session=True)
    try:
        out, err = process.communicate(timeout=timeout)
    finally:
        stop_group(process)
    assert process.returncode == 0, err[-5000:]
    return json.loads(out.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    """A temporary MLflow store with the shipped model registered (not trained) and aliased champion;
    returns the environment for a process that uses it (venv python and bin first, offline)."""
    import mlflow
    from mlflow.tracking import MlflowClient

    from training.tracking import MODEL_NAME, log_training_run
    from triage.settings import Settings, default_model_dir

    home = tmp_path_factory.mktemp("mlflow-models-home")
    settings = Settings(home=home)
    model_dir = default_model_dir()
    manifest = json.loads((model_dir / "manifest.json").read_text(encoding="utf-8"))
    mp = pytest.MonkeyPatch()  # log_training_run sets the process's MLflow environment; undone below
    for name in ("MLFLOW_TRACKING_URI", "MLFLOW_ARTIFACTS_DESTINATION", "MLFLOW_EXPERIMENT_ID",
                 "MLFLOW_EXPERIMENT_NAME"):
        mp.delenv(name, raising=False)
    try:
        metrics = {k: v for k, v in manifest.get("dev_metrics", {}).items() if isinstance(v, (int, float))}
        out = log_training_run(settings, manifest, metrics, {}, model_dir)
        client = MlflowClient(settings.mlflow_uri)
        client.set_registered_model_alias(MODEL_NAME, "champion", out["registered_version"])
        assert client.get_model_version_by_alias(MODEL_NAME, "champion").run_id == out["run_id"]
    finally:
        mlflow.set_tracking_uri(None)
        mp.undo()
    process_home = home / "process-home"
    process_home.mkdir()
    env = process_env(process_home) | {
        "MLFLOW_TRACKING_URI": settings.mlflow_uri,
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "PYSPARK_PYTHON": sys.executable,
        "PYSPARK_DRIVER_PYTHON": sys.executable,
        "PATH": os.pathsep.join([str(BIN), os.environ.get("PATH", "")]),  # `mlflow models serve` runs uvicorn
    }
    for name in ("MLFLOW_ARTIFACTS_DESTINATION", "MLFLOW_EXPERIMENT_ID", "MLFLOW_EXPERIMENT_NAME",
                 "MLFLOW_REGISTRY_URI"):
        env.pop(name, None)
    return env


LOAD_MODEL = f"""
import json, sys
import mlflow.pyfunc
import pandas as pd
model = mlflow.pyfunc.load_model({CHAMPION!r})
predictions = model.predict(pd.DataFrame({{"text": json.loads(sys.argv[1])}}))
print(json.dumps(list(predictions)))
"""


def test_pyfunc_load_model_by_alias_classifies(registry):
    notes = [BEREAVED, SELF_HARM, EVICTION]
    assert_classified(notes, run_python(LOAD_MODEL, notes, registry, timeout=LOADED_WITHIN))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_mlflow_models_serve_answers_invocations(registry, tmp_path):
    port = free_port()
    log = tmp_path / "serve.log"
    base = f"http://127.0.0.1:{port}"
    with log.open("w") as sink:
        server = subprocess.Popen([str(BIN / "mlflow"), "models", "serve", "-m", CHAMPION, "--env-manager", "local",
                                   "-h", "127.0.0.1", "-p", str(port), "-w", "1"],
                                  env=registry, stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        deadline = time.monotonic() + LOADED_WITHIN
        while True:
            if server.poll() is not None:
                pytest.fail(f"mlflow models serve exited with {server.returncode}:\n{log.read_text()[-5000:]}")
            try:
                if httpx.get(f"{base}/ping", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"/ping did not answer within {LOADED_WITHIN} s:\n{log.read_text()[-5000:]}")
            time.sleep(0.5)
        notes = [SELF_HARM, FOOD, BEREAVED]
        body = {"dataframe_split": {"columns": ["text"], "data": [[note] for note in notes]}}
        response = httpx.post(f"{base}/invocations", json=body, timeout=120)
        assert response.status_code == 200, response.text
        assert_classified(notes, response.json()["predictions"])
        # a request without the signature's column is refused, not classified
        wrong = httpx.post(f"{base}/invocations", json={"dataframe_split": {"columns": ["note"], "data": [["x"]]}},
                           timeout=60)
        assert wrong.status_code == 400, wrong.text
    finally:
        stop_group(server)
    assert server.poll() is not None
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{base}/ping", timeout=2)


SPARK_BATCH = f"""
import json, sys
import mlflow.pyfunc
from pyspark.sql import SparkSession

spark = (SparkSession.builder.master("local[1]").appName("triage-retriage")
         .config("spark.ui.enabled", "false").config("spark.driver.memory", "1g")
         .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "127.0.0.1")
         .config("spark.driver.extraJavaOptions", "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC")  # a faster start
         .config("spark.sql.shuffle.partitions", "1").getOrCreate())
try:
    spark.sparkContext.setLogLevel("ERROR")
    notes = json.loads(sys.argv[1])
    frame = spark.createDataFrame([(i, t) for i, t in enumerate(notes)], "n INT, text STRING")
    classify = mlflow.pyfunc.spark_udf(spark, {CHAMPION!r}, result_type="string", env_manager="local")
    rows = frame.withColumn("classification", classify("text")).orderBy("n").collect()
    print(json.dumps([r.classification for r in rows]))
finally:
    spark.stop()
"""


def test_spark_udf_batch_retriage(registry):
    java = subprocess.run([str(Path(__file__).resolve().parent.parent / "scripts" / "java.sh")],
                          capture_output=True, text=True, timeout=900)
    assert java.returncode == 0, f"scripts/java.sh could not provide Java for Spark:\n{java.stderr}"
    notes = [BEREAVED, SELF_HARM, EVICTION, FOOD, REDUNDANT, CARER, DRINKING]
    outputs = run_python(SPARK_BATCH, notes, registry, timeout=LOADED_WITHIN + 60)
    # the pyfunc numbers rows within each batch Spark hands it; one partition here, so in note order
    assert_classified(notes, outputs)
