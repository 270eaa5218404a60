"""Walk the learning loop once, for real, and print the figures before and after:

    python -m training.loop_demo --home /tmp/loop-demo [--quick]

1. The shipped model is registered and made champion (when the registry has none).
2. The service starts on the champion; the review-demo notes (three regions the corpus never saw) are
   sent as referrals and reviewed by a simulated link worker (training/review_simulation.py).
3. The feedback is exported redacted; a challenger is trained with it (`--quick`: the n-gram model only).
4. `promote` compares it with the champion and moves the alias only if the gate passes; the running
   service reloads and a new referral records the new version.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from fastapi.testclient import TestClient

from training.pipeline import run_training
from training.promotion import CHAMPION, promote, render
from training.registry import alias_version, set_alias
from training.review_simulation import load_review_notes, review
from training.tracking import log_training_run
from triage.feedback.export import export_feedback, write_lines
from triage.settings import Settings, default_model_dir


def register_shipped(settings: Settings) -> str:
    folder = default_model_dir()
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    out = log_training_run(settings, manifest, {f"dev_{k}": v for k, v in manifest["dev_metrics"].items()}, {}, folder)
    set_alias(settings, "challenger", out["registered_version"])
    return out["registered_version"]


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    args.add_argument("--home", type=Path, required=True, help="a data directory for the demo (its own registry)")
    args.add_argument("--quick", action="store_true", help="train the n-gram model only (minutes, not 20)")
    opts = args.parse_args()
    settings = Settings(home=opts.home, model_uri=f"models:/triage-needs@{CHAMPION}", model_poll_seconds=0)
    if alias_version(settings, CHAMPION) is None:
        first = register_shipped(settings)
        print(render(promote(settings, first, actor="loop-demo")))

    from service.app import create_app
    from triage.store.users import UserRepository

    app = create_app(settings)
    with TestClient(app) as client:
        users = UserRepository(app.state.engine.database.sessions)
        stamp = str(int(time.time()))
        header = {role: {"Authorization": f"Bearer {users.create(f'demo-{role}-{stamp}', role, org)[1]}"}
                  for role, org in (("referrer", "Demo Surgery"), ("link_worker", ""), ("admin", ""))}
        print(f"serving {app.state.engine.model_name}")
        started = time.monotonic()
        tally = review(client, header["referrer"], header["link_worker"], load_review_notes())
        print(f"reviewed {tally.referrals} referrals in {time.monotonic() - started:.0f} s: needs corrected on "
              f"{tally.corrected} ({tally.needs_added} added, {tally.needs_removed} removed); suggestions "
              f"{tally.accepted} accepted, {tally.rejected} rejected")

        lines = export_feedback(settings)
        exported = write_lines(lines, opts.home / f"feedback-{stamp}.jsonl")
        print(f"exported {len(lines)} feedback lines to {exported}")
        started = time.monotonic()
        trained = run_training(opts.home / "models" / f"challenger-{stamp}", settings=settings,
                               feedback_path=exported, head_epochs=0 if opts.quick else None)
        print(f"trained challenger v{trained['mlflow']['registered_version']} in {time.monotonic() - started:.0f} s; "
              f"feedback: {json.dumps(trained['feedback'], indent=1)}")
        result = promote(settings, trained["mlflow"]["registered_version"], actor="loop-demo")
        print(render(result))
        reloaded = client.post("/v1/admin/model/reload", headers=header["admin"]).json()
        print(f"service reload: {reloaded}")
        after = client.post("/v1/referrals", json={"text": "Lonely since his wife died, money is tight.",
                                                   "source": "gp"}, headers=header["referrer"]).json()
        print(f"a new referral is stored with model version {after['model_version']}")


if __name__ == "__main__":
    main()
