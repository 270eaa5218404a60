"""The learning loop, walked end to end with real components: referrals reviewed through the service (some
needs corrected), feedback exported redacted by the command line, challengers trained (quick n-gram models
on part of the corpus: the full model is never trained in a test) and registered in a real MLflow registry,
promoted only when the gate allows, and the running service switching to the new champion.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import fresh_database_url, process_env
from fastapi.testclient import TestClient

from training.review_simulation import load_review_notes, review

PII_NOTE = ("Mrs Agnes Whitlow (NHS 999 123 4567, tel 07700 900461, agnes.whitlow@example.com) of 14 Fenwick "
            "Road, CX4 7QP. Widowed in the spring, lives alone and hasn't spoken to anyone in weeks.")


@pytest.fixture(scope="module")
def loop(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from triage.settings import Settings

    home = tmp_path_factory.mktemp("loop-home")
    settings = Settings(home=home, database_url=fresh_database_url("triage_loop"),
                        model_uri="models:/triage-needs@champion", model_poll_seconds=0)
    return settings, home


def _train(settings, home: Path, name: str, *, limit: int, feedback: Path | None = None) -> dict:  # type: ignore[no-untyped-def]
    from training.pipeline import run_training

    return run_training(home / "models" / name, settings=settings, feedback_path=feedback, head_epochs=0, limit=limit)


def test_the_learning_loop(loop):  # type: ignore[no-untyped-def]
    from service.app import create_app
    from training.promotion import promote, render, rollback
    from training.registry import alias_version, get_version
    from triage.errors import InputError
    from triage.store.users import UserRepository

    settings, home = loop
    # A first champion: a small model, registered and promoted (no champion yet, so the gate lets it in).
    first = _train(settings, home, "v1", limit=150)
    assert first["mlflow"]["registered_version"] == "1"
    assert promote(settings, "1", actor="ds-ana").decision == "promoted"
    assert alias_version(settings, "champion") == "1"

    app = create_app(settings)
    with TestClient(app) as client:
        engine = app.state.engine
        assert engine.model_name == "triage-needs v1"
        ready = client.get("/readyz").json()
        assert ready["model"]["version"] == "triage-needs v1"
        users = UserRepository(engine.database.sessions)
        referrer = {"Authorization": f"Bearer {users.create('gp-loop', 'referrer', 'Kilbrannan Surgery')[1]}"}
        worker = {"Authorization": f"Bearer {users.create('lw-loop', 'link_worker')[1]}"}
        admin = {"Authorization": f"Bearer {users.create('admin-loop', 'admin')[1]}"}

        # Link workers review referrals from a region the corpus never saw; some needs get corrected.
        notes = load_review_notes()[::4]
        tally = review(client, referrer, worker, notes)
        assert tally.referrals == len(notes) >= 60
        assert tally.corrected > 0 and tally.accepted > 0 and tally.rejected > 0
        assert tally.model_versions == {"triage-needs v1"}
        planted = client.post("/v1/referrals", json={"text": PII_NOTE, "source": "gp"}, headers=referrer).json()
        assert client.put(f"/v1/referrals/{planted['id']}/needs", json={"needs": ["loneliness", "bereavement"]},
                          headers=worker).status_code == 200

        # Feedback exported by the command line: redacted JSON Lines.
        exported = home / "feedback.jsonl"
        env = process_env(home) | {"TRIAGE_HOME": str(home)}
        if settings.database_url:
            env["TRIAGE_DATABASE_URL"] = settings.database_url
        run = subprocess.run([sys.executable, "-m", "service.cli", "export-feedback", "--output", str(exported)],
                             env=env, capture_output=True, text=True, timeout=300, check=False)
        assert run.returncode == 0, run.stderr
        lines = [json.loads(line) for line in exported.read_text(encoding="utf-8").splitlines()]
        needs_lines = [x for x in lines if x["kind"] == "needs"]
        assert len(needs_lines) == tally.referrals + 1
        planted_corrected = sorted(planted["needs"]) != ["bereavement", "loneliness"]
        assert sum(x["corrected"] for x in needs_lines) == tally.corrected + planted_corrected
        assert sum(x["kind"] == "suggestion" for x in lines) == tally.accepted + tally.rejected
        assert all(x["model_version"] == "triage-needs v1" for x in lines)
        text = exported.read_text(encoding="utf-8")
        for secret in ("Whitlow", "999 123 4567", "07700 900461", "agnes.whitlow@example.com", "14 Fenwick Road",
                       "CX4 7QP", planted["id"], "lw-loop", "Kilbrannan Surgery"):
            assert secret not in text
        assert any("hasn't spoken to anyone in weeks" in x.get("text", "") for x in needs_lines)

        # A challenger trained on too little refused by the gate: the champion stays.
        weak = _train(settings, home, "v2", limit=40, feedback=exported)
        assert weak["mlflow"]["registered_version"] == "2"
        refused = promote(settings, "2", actor="ds-ana")
        assert refused.decision == "refused" and not refused.comparison.passed
        assert any(not c.passed for c in refused.comparison.checks)
        assert alias_version(settings, "champion") == "1"

        # A challenger trained on more notes plus the feedback passes the gate and becomes champion.
        strong = _train(settings, home, "v3", limit=1500, feedback=exported)
        assert strong["feedback"]["train"]["notes"] + strong["feedback"]["holdout"]["notes"] == len(needs_lines)
        assert strong["feedback"]["ranking"]["decisions"] > 0
        promoted = promote(settings, "3", actor="ds-ana")
        print(render(refused), render(promoted), sep="\n")  # the figures, for the log
        assert promoted.decision == "promoted", [(c.name, c.challenger, c.champion) for c in promoted.comparison.checks]
        assert {c.name for c in promoted.comparison.checks} == {"test_macro_f1", "test_risk_recall", "holdout_macro_f1"}
        assert promoted.comparison.holdout_notes > 0
        assert alias_version(settings, "champion") == "3"
        assert get_version(settings, "3").tags["previous_champion"] == "1"

        # The running service switches without dropping a request.
        failures: list[int] = []
        stop = threading.Event()

        def keep_triaging() -> None:
            while not stop.is_set():
                status = client.post("/v1/triage", json={"text": "Lonely since his wife died."},
                                     headers=worker).status_code
                if status != 200:
                    failures.append(status)

        threads = [threading.Thread(target=keep_triaging) for _ in range(2)]
        for t in threads:
            t.start()
        try:
            reloaded = client.post("/v1/admin/model/reload", headers=admin).json()
        finally:
            stop.set()
            for t in threads:
                t.join()
        assert reloaded == {"previous": "triage-needs v1", "current": "triage-needs v3", "changed": True,
                            "source": "models:/triage-needs@champion (version 3)", "degraded": None}
        assert failures == []
        assert client.get("/readyz").json()["model"]["version"] == "triage-needs v3"
        after = client.post("/v1/referrals", json={"text": notes[0].text, "source": "gp"}, headers=referrer).json()
        assert after["model_version"] == "triage-needs v3" and after["result"]["model_version"] == "triage-needs v3"
        # The learnt ranking weights came with the version.
        assert engine.ranking_weights.as_dict() == json.loads(
            (engine.model_dir / "ranking_weights.json").read_text(encoding="utf-8"))["weights"]

        # The command line refuses the weak challenger too (exit 1), and lists the versions.
        cli_env = os.environ | {"TRIAGE_HOME": str(home), "HF_HUB_OFFLINE": "1"}
        refused_cli = subprocess.run([sys.executable, "-m", "service.cli", "promote", "2"], env=cli_env,
                                     capture_output=True, text=True, timeout=600, check=False)
        assert refused_cli.returncode == 1, refused_cli.stderr
        assert "DROPS" in refused_cli.stdout and "refused: champion stays v3" in refused_cli.stdout
        listed = subprocess.run([sys.executable, "-m", "service.cli", "models"], env=cli_env, capture_output=True,
                                text=True, timeout=300, check=False)
        assert listed.returncode == 0 and "v3\t" in listed.stdout and "champion" in listed.stdout

        # An override needs a reason and records who; a rollback goes back; the poll follows the registry.
        with pytest.raises(InputError, match="--reason"):
            promote(settings, "2", force=True, actor="ds-ana")
        forced = promote(settings, "2", force=True, actor="ds-ana", reason="trial in one region")
        assert forced.decision == "forced" and alias_version(settings, "champion") == "2"
        assert get_version(settings, "2").tags["gate"] == "overridden by ds-ana: trial in one region"
        assert rollback(settings, actor="ds-ana").champion_after == "3"
        assert rollback(settings, actor="ds-ana", to="1", reason="audit").champion_after == "1"
        app.state.reloader.start_polling(0.2)
        deadline = time.monotonic() + 120
        while engine.model_name != "triage-needs v1" and time.monotonic() < deadline:
            time.sleep(0.2)
        assert engine.model_name == "triage-needs v1"
        assert client.get("/readyz").json()["model"]["version"] == "triage-needs v1"
