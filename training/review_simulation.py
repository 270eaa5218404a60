"""A link worker's review, simulated over the service's HTTP API, for walking the learning loop: the
review-demo notes (training/data/feedback_demo/, written by hand for this, never in the corpus splits) are
sent as referrals and reviewed against their labels.

The simulated link worker sets the needs to the note's labels when the model got them wrong, accepts up
to two suggestions that serve one of those needs and rejects, with a reason, those that serve none.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from training.corpus import DATA_DIR, LabelledNote, load_notes

REVIEW_DEMO_DIR = DATA_DIR / "feedback_demo"
ACCEPT_AT_MOST = 2


def load_review_notes(folder: Path = REVIEW_DEMO_DIR) -> list[LabelledNote]:
    return [note for path in sorted(folder.glob("*.jsonl")) for note in load_notes(path)]


@dataclass
class ReviewTally:
    referrals: int = 0
    corrected: int = 0
    needs_added: int = 0
    needs_removed: int = 0
    accepted: int = 0
    rejected: int = 0
    model_versions: set[str] = field(default_factory=set)


def review(client: Any, referrer: dict[str, str], link_worker: dict[str, str],
           notes: Iterable[LabelledNote], tally: ReviewTally | None = None) -> ReviewTally:
    """Send each note as a referral, then review it as a link worker would. `client` is an httpx-style
    client of the service (FastAPI's TestClient or httpx.Client)."""
    tally = tally or ReviewTally()
    for note in notes:
        created = _ok(client.post("/v1/referrals", json={"text": note.text, "source": note.source or "other"},
                                  headers=referrer))
        referral_id, gold = created["id"], sorted(note.needs)
        tally.referrals += 1
        tally.model_versions.add(created["model_version"])
        predicted = sorted(created["needs"])
        current = created
        if predicted != gold:
            tally.corrected += 1
            tally.needs_added += len(set(gold) - set(predicted))
            tally.needs_removed += len(set(predicted) - set(gold))
            current = _ok(client.put(f"/v1/referrals/{referral_id}/needs",
                                     json={"needs": gold, "reason": "reviewed with the person"}, headers=link_worker))
        for suggestion in (current.get("result") or {}).get("suggestions", []):
            serves = set(suggestion["needs"]) & set(gold)
            if serves and _accepted(current) < ACCEPT_AT_MOST:
                current = _ok(client.post(f"/v1/referrals/{referral_id}/decisions",
                                          json={"asset_id": suggestion["asset_id"], "decision": "accepted"},
                                          headers=link_worker))
                tally.accepted += 1
            elif not serves:
                current = _ok(client.post(f"/v1/referrals/{referral_id}/decisions",
                                          json={"asset_id": suggestion["asset_id"], "decision": "rejected",
                                                "reason": "does not fit what matters to them"}, headers=link_worker))
                tally.rejected += 1
    return tally


def _accepted(referral: dict) -> int:
    return sum(d["decision"] == "accepted" for d in referral.get("decisions", []))


def _ok(response: Any) -> dict:
    if response.status_code >= 300:
        code = response.json().get("code", "") if "json" in response.headers.get("content-type", "") else ""
        raise RuntimeError(f"{response.request.method} {response.request.url.path}: {response.status_code} {code}")  # no text
    return response.json()
