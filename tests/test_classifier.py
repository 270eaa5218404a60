"""The shipped classifier on notes written for the tests (not drawn from the corpus)."""

from triage.schemas import ReferralIn


def classify(engine, text):
    result = engine.classify([ReferralIn(id="t", text=text)])[0]
    return {n.need: n for n in result.needs}, {r.flag: r for r in result.risk_flags}


def test_widower_behind_on_council_tax(engine):
    needs, risks = classify(engine, "Lives alone since his wife died in March, has not left the flat "
                                    "for weeks and is behind on council tax.")
    assert {"loneliness", "debt", "bereavement"} <= set(needs)
    assert not risks


def test_scores_are_probabilities_sorted_highest_first(engine):
    result = engine.classify([ReferralIn(text="Lonely and in debt, skipping meals, PIP stopped.")])[0]
    scores = [n.score for n in result.needs]
    assert scores == sorted(scores, reverse=True)
    assert all(0.0 <= s <= 1.0 for s in scores)


def test_evidence_offsets_index_the_input(engine):
    text = "Retired postman.\nHas been drinking a bottle of wine most nights since the divorce."
    needs, _ = classify(engine, text)
    assert "substance_use" in needs
    for span in needs["substance_use"].evidence:
        assert text[span.start:span.end] == span.text
    assert any("drinking" in span.text for span in needs["substance_use"].evidence)


def test_suicidal_thoughts_buried_late_are_flagged(engine):
    text = ("Referred by housing for rent arrears. Two children at home. Works part time at a "
            "warehouse. Struggles with the UC journal. Landlord has been patient so far. Neighbours "
            "are kind. She told me she has thought about ending her life and has a plan.")
    _, risks = classify(engine, text)
    assert "self_harm" in risks
    assert any("ending her life" in e.text for e in risks["self_harm"].evidence)


def test_partner_controlling_money_is_harm_from_others(engine):
    _, risks = classify(engine, "Her partner takes her bank card, checks her phone and she is "
                                "frightened of him. Coercive control suspected.")
    assert "harm_from_others" in risks


def test_denied_self_harm_is_not_flagged(engine):
    _, risks = classify(engine, "Feeling a bit flat since retiring. Denies any thoughts of self-harm "
                                "or suicide. Would like a walking group.")
    assert "self_harm" not in risks


def test_evidence_is_the_clause_that_says_it(engine):
    text = "Lives alone since his wife died in March, has not left the flat for weeks and is behind on council tax."
    needs, _ = classify(engine, text)
    debt = [e.text for e in needs["debt"].evidence]
    assert any("council tax" in e for e in debt) and not any("died" in e for e in debt)
    assert any("wife died" in e.text for e in needs["bereavement"].evidence)


def test_a_note_scores_the_same_alone_and_batched_with_longer_notes(engine):
    head = engine.classifier.head
    short = "62yo M, lives alone since wife died 3/12, low mood, ?befriending"
    longer = ("Housing officer visit. Tenant in his fifties, behind on rent after his hours were cut, "
              "says he has stopped seeing friends and spends most days in bed. ") * 3
    alone = head.predict_proba([short])
    batched = head.predict_proba([longer, short, longer[:90]], batch_size=3)
    assert abs(alone[0] - batched[1]).max() < 1e-4  # padding is masked out of every label's pooling
    assert abs(alone[0] - batched[0]).max() > 1e-3  # and the notes do differ
