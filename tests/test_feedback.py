"""Feedback as training data: the export over HTTP (redacted, with features and model versions), reading
an export back (errors name the line), label weights, the holdout, and learning ranking weights."""

from __future__ import annotations

import json

import numpy as np
import pytest

from training.feedback import feedback_notes, label_weights, load_feedback
from training.ranking_weights import decision_auc, learn_ranking_weights
from triage.errors import InputError
from triage.feedback.schemas import (
    HOLDOUT_SHARE,
    NeedsFeedback,
    SuggestionFeedback,
    in_holdout,
)
from triage.matching.rank import FEATURES, RankingWeights
from triage.taxonomy import LABELS, NEED_IDS, RISK_IDS

NOTE = ("Mr Desmond Okafor, 07700 900213, d.okafor@example.org, 3 Brackley Close CX2 5RT. Lost his job at the "
        "depot in June, now can't keep up with the council tax and hasn't left the flat in weeks.")


def _needs_line(key: str, needs: list[str], **extra) -> dict:  # type: ignore[no-untyped-def]
    return {"kind": "needs", "key": key, "month": "2026-11", "source": "gp", "text": "Feels alone since moving.",
            "predicted": [], "needs": needs, "corrected": True, "model_version": "triage-needs v1"} | extra


def test_the_export_is_redacted_and_carries_what_retraining_needs(client, tokens):
    created = client.post("/v1/referrals", json={"text": NOTE, "source": "jobcentre"},
                          headers=tokens.header("referrer")).json()
    shown = created["result"]["suggestions"]
    assert shown and set(shown[0]["features"]) == set(FEATURES)
    reviewed = client.put(f"/v1/referrals/{created['id']}/needs", json={"needs": ["employment", "debt", "loneliness"]},
                          headers=tokens.header("link_worker")).json()
    first, second = reviewed["result"]["suggestions"][:2]
    client.post(f"/v1/referrals/{created['id']}/decisions", json={"asset_id": first["asset_id"], "decision": "accepted"},
                headers=tokens.header("link_worker"))
    client.post(f"/v1/referrals/{created['id']}/decisions",
                json={"asset_id": second["asset_id"], "decision": "rejected",
                      "reason": "Mr Okafor says 07700 900213 is the only number; too far"},
                headers=tokens.header("link_worker"))
    response = client.get("/v1/feedback/export?start=2020-01-01&end=2030-12-31", headers=tokens.header("data_scientist"))
    assert response.status_code == 200 and response.headers["content-type"].startswith("application/x-ndjson")
    lines = [json.loads(line) for line in response.text.splitlines()]
    ours = [x for x in lines if x["kind"] == "needs" and "depot in June" in x["text"]]
    assert len(ours) == 1
    needs_line = ours[0]
    assert needs_line["needs"] == ["debt", "employment", "loneliness"] and needs_line["corrected"] is True
    assert set(needs_line["added"]) | set(needs_line["predicted"]) >= {"debt", "employment", "loneliness"}
    assert needs_line["model_version"] == created["model_version"]
    decisions = [x for x in lines if x["kind"] == "suggestion" and x["key"] == needs_line["key"]]
    assert [d["decision"] for d in decisions] == ["accepted", "rejected"]
    assert decisions[0]["features"] == first["features"] and decisions[0]["rank"] == 1
    assert "too far" in decisions[1]["reason"]
    for secret in ("Okafor", "07700 900213", "d.okafor@example.org", "3 Brackley Close", "CX2 5RT", created["id"]):
        assert secret not in response.text
    for line in lines:  # every line is a valid contract line
        (NeedsFeedback if line["kind"] == "needs" else SuggestionFeedback).model_validate(line)


def test_reading_an_export_names_the_bad_line(tmp_path):
    path = tmp_path / "feedback.jsonl"
    path.write_text(json.dumps(_needs_line("a1", ["loneliness"])) + "\n" +
                    json.dumps(_needs_line("a2", ["lonliness"])) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"feedback.jsonl line 2: .*needs.*lonliness"):
        load_feedback(path)
    path.write_text(json.dumps(_needs_line("a1", [])) + "\n{not json\n", encoding="utf-8")
    with pytest.raises(InputError, match="line 2: not JSON"):
        load_feedback(path)
    with pytest.raises(InputError, match="no feedback file"):
        load_feedback(tmp_path / "missing.jsonl")


def test_the_holdout_is_fixed_by_text_and_about_a_fifth(tmp_path):
    texts = [f"Note number {i} about being lonely." for i in range(2000)]
    held = [t for t in texts if in_holdout(t)]
    assert abs(len(held) / len(texts) - HOLDOUT_SHARE) < 0.03
    assert held == [t for t in texts if in_holdout(t)]
    assert in_holdout(held[0].replace(" ", "  ")) and in_holdout(held[0] + "\n")  # spacing does not move a note
    # a referral's decisions go where its note goes
    lines = []
    for i, text in enumerate(texts[:40]):
        lines.append(_needs_line(f"k{i}", ["loneliness"], text=text))
        lines.append({"kind": "suggestion", "key": f"k{i}", "month": "2026-11", "asset_id": "a", "decision": "accepted",
                      "rank": 1, "needs": ["loneliness"], "features": {}, "model_version": "v1"})
    path = tmp_path / "f.jsonl"
    path.write_text("\n".join(json.dumps(x) for x in lines), encoding="utf-8")
    held_part = load_feedback(path).part(holdout=True)
    assert {s.key for s in held_part.suggestions} == {n.key for n in held_part.needs} != set()


def test_feedback_weighs_needs_and_leaves_risk_flags_out(tmp_path):
    path = tmp_path / "f.jsonl"
    path.write_text("\n".join(json.dumps(_needs_line(f"k{i}", ["loneliness"])) for i in range(10)), encoding="utf-8")
    feedback = load_feedback(path)
    notes = feedback_notes(feedback.needs)
    assert all(n.needs == ("loneliness",) and n.risk_flags == () for n in notes)
    W = label_weights(3, len(notes), 2.5)
    need_cols = [LABELS.index(n) for n in NEED_IDS]
    risk_cols = [LABELS.index(r) for r in RISK_IDS]
    assert (W[:3] == 1).all()
    assert (W[3:, need_cols] == 2.5).all() and (W[3:, risk_cols] == 0).all()
    learn, held = feedback.part(holdout=False), feedback.part(holdout=True)
    assert len(learn.needs) + len(held.needs) == 10 and not {n.key for n in learn.needs} & {n.key for n in held.needs}


def test_a_zero_weight_leaves_a_note_out_of_that_label(parser):
    from scipy import sparse

    from training.corpus import label_matrix, load_split
    from triage.nlp.classifier import fit_classifier
    from triage.nlp.features import FeatureBuilder

    notes = load_split("train")[:200]
    parsed = parser.parse_many([n.text for n in notes])
    features = FeatureBuilder().fit(parsed)
    X, Y = features.transform(parsed), label_matrix(notes)
    lonely = LABELS.index("loneliness")
    flipped = Y[:1].copy()
    flipped[0, lonely] = 1 - flipped[0, lonely]  # a contradicting copy of the first note...
    W = np.ones((len(notes) + 1, len(LABELS)))
    W[-1, lonely] = 0  # ...that must not count for loneliness
    both = fit_classifier(features, sparse.vstack([X, X[:1]]).tocsr(), np.vstack([Y, flipped]), weights=W, folds=3)
    alone = fit_classifier(features, X, Y, folds=3)
    assert np.allclose(both.coef[lonely], alone.coef[lonely]) and np.isclose(both.intercept[lonely], alone.intercept[lonely])
    debt = LABELS.index("debt")  # the copy does count for the other labels
    assert not np.allclose(both.coef[debt], alone.coef[debt])


def _decision(decision: str, need: float, semantic: float, key: str = "k") -> SuggestionFeedback:
    features = dict.fromkeys(FEATURES, 0.0) | {"need": need, "semantic": semantic, "nearness": 0.5}
    return SuggestionFeedback(key=key, month="2026-11", asset_id="a", decision=decision, needs=[],  # type: ignore[arg-type]
                              features=features, model_version="v1")


def test_ranking_weights_learn_from_accepted_against_rejected():
    rng = np.random.default_rng(0)
    rows = [_decision("accepted", 0.7 + 0.3 * rng.random(), 0.3 + 0.2 * rng.random()) for _ in range(60)]
    rows += [_decision("rejected", 0.4 * rng.random(), 0.3 + 0.2 * rng.random()) for _ in range(60)]
    prior = RankingWeights()
    learnt = learn_ranking_weights(rows, prior)
    assert learnt.provenance["learnt"] and learnt.provenance["decisions"] == 120
    assert learnt.weights.need > prior.need
    assert "nearness" in learnt.provenance["constant_features"] and learnt.weights.nearness == prior.nearness
    assert decision_auc(rows, learnt.weights) >= decision_auc(rows, prior)  # type: ignore[operator]


def test_a_learnt_weight_never_turns_against_its_feature():
    rows = []
    for i in range(80):  # accepted suggestions happen to be the ones that echo what the person declined
        accepted = i % 2 == 0
        features = dict.fromkeys(FEATURES, 0.0) | {"need": 0.9 if accepted else 0.2, "declined": 0.8 if accepted else 0.1,
                                                   "semantic": 0.4 + 0.01 * (i % 7)}
        rows.append(SuggestionFeedback(key=f"k{i}", month="2026-11", asset_id="a", needs=[], features=features,
                                       decision="accepted" if accepted else "rejected", model_version="v1"))
    learnt = learn_ranking_weights(rows, RankingWeights())
    assert learnt.provenance["coefficients"]["declined"] > 0 and "declined" in learnt.provenance["sign_clipped"]
    assert learnt.weights.declined <= 0 and learnt.weights.need > 0


def test_too_few_decisions_keep_the_weights():
    rows = [_decision("accepted", 1.0, 0.5)] * 10 + [_decision("rejected", 0.0, 0.5)] * 3
    learnt = learn_ranking_weights(rows, RankingWeights())
    assert learnt.weights == RankingWeights() and not learnt.provenance["learnt"]
    assert decision_auc([_decision("accepted", 1.0, 0.5)], RankingWeights()) is None
