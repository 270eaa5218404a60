"""ConText rules on sentences written for the tests."""

import pytest


def marks(parser, text: str) -> dict[str, str]:
    doc = parser.nlp(text)
    return {t.lower_: t._.context for t in doc if not t.is_punct}


def test_denied_symptom_is_negated(parser):
    assert marks(parser, "Denies low mood.")["mood"] == "NEGATED_EXISTENCE"


def test_now_resolved_negates_backwards(parser):
    assert marks(parser, "Rent arrears - now resolved.")["arrears"] == "NEGATED_EXISTENCE"


def test_at_risk_of_eviction_is_present(parser):
    assert marks(parser, "At risk of eviction after a Section 21 notice.")["eviction"] is None


@pytest.mark.parametrize("text,word", [("Struggling with the gas bill.", "bill"),
                                       ("Waiting for Talking Therapies.", "therapies")])
def test_struggling_and_waiting_are_present(parser, text, word):
    assert marks(parser, text)[word] is None


def test_mum_is_lonely_belongs_to_mum(parser):
    assert marks(parser, "Mum is lonely.")["lonely"] == "OTHER_EXPERIENCER"


def test_worry_about_the_future_is_hypothetical(parser):
    assert marks(parser, "Worried she might lose her job.")["job"] == "HYPOTHETICAL"


def test_history_is_historical(parser):
    assert marks(parser, "Previously homeless, now settled.")["homeless"] == "HISTORICAL"


def test_scope_stops_at_but(parser):
    m = marks(parser, "No money worries but lonely since the move.")
    assert m["worries"] == "NEGATED_EXISTENCE" and m["lonely"] is None


def test_no_money_is_not_a_negation(parser):
    assert marks(parser, "Has no money for the meter.")["meter"] is None


def test_shorthand_lines_are_sentences(parser):
    doc = parser.nlp("62yo M\n- lives alone\n- ?befriending; low mood")
    assert [s.text.strip() for s in doc.sents] == ["62yo M", "- lives alone", "- ?befriending;", "low mood"]


def test_marked_text_brackets_each_context_run(parser):
    note = parser.parse("Denies low mood. Mum is lonely. Wants a job.")
    assert "[negated: low mood" in note.marked
    assert "[someone else: is lonely" in note.marked
    assert "Wants a job." in note.marked and "[" not in note.marked.split("lonely")[-1]
