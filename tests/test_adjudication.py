"""Adjudicated labels are written into the part files: all of them or none."""

import json

import pytest

from training.adjudication import Decision, apply, contested, load_decisions
from training.corpus import parse_line


def _line(note_id: str, needs: list[str], flags: list[str], ruled_out: list[str] = ()) -> str:
    return json.dumps({"id": note_id, "text": f"note {note_id}", "needs": needs, "risk_flags": flags,
                       "source": "gp", "style": "gp_shorthand", "hard": [], "ruled_out": list(ruled_out)})


@pytest.fixture
def raw(tmp_path):
    (tmp_path / "train_only").mkdir()
    (tmp_path / "a.jsonl").write_text(_line("a-1", ["debt"], [], ["housing"]) + "\n"
                                      + _line("a-2", ["loneliness"], ["self_harm"]) + "\n")
    (tmp_path / "train_only" / "b.jsonl").write_text(_line("b-1", [], []) + "\n")
    return tmp_path


def _notes(path):
    return {n.id: n for n in (parse_line(line, "x") for line in path.read_text().splitlines() if line)}


def test_contested_labels_are_the_ones_exactly_one_pass_gave():
    gold = parse_line(_line("a-1", ["debt", "housing"], ["self_harm"]), "gold")
    blind = parse_line(_line("a-1", ["housing", "mental_health"], []), "blind")
    assert contested(gold, blind) == ["mental_health", "debt", "self_harm"]


def test_decisions_add_and_remove_labels_and_a_need_found_present_leaves_ruled_out(raw):
    changed = apply([Decision("a-1", "housing", True), Decision("a-1", "debt", True),
                     Decision("a-2", "self_harm", False), Decision("b-1", "mental_health", False)], raw)
    assert changed == 2
    notes = _notes(raw / "a.jsonl")
    assert notes["a-1"].needs == ("debt", "housing") and notes["a-1"].ruled_out == ()
    assert notes["a-2"].risk_flags == () and notes["a-2"].needs == ("loneliness",)
    assert _notes(raw / "train_only" / "b.jsonl")["b-1"].labels == ()
    assert not list(raw.rglob("*.tmp"))


def test_an_unknown_id_stops_before_anything_is_written(raw):
    before = (raw / "a.jsonl").read_text()
    with pytest.raises(ValueError, match="zz-9"):
        apply([Decision("a-1", "housing", True), Decision("zz-9", "debt", True)], raw)
    assert (raw / "a.jsonl").read_text() == before


def test_a_bad_decision_line_is_named_by_number(tmp_path):
    path = tmp_path / "decisions.jsonl"
    path.write_text('{"id": "a-1", "label": "debt", "present": true}\n{"id": "a-2", "label": "debt"}\n')
    with pytest.raises(ValueError, match=r"decisions.jsonl:2: not a decision"):
        load_decisions(path)
    path.write_text('{"id": "a-1", "label": "money", "present": true}\n')
    with pytest.raises(ValueError, match=r":1: unknown label 'money'"):
        load_decisions(path)
