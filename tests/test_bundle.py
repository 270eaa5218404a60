import pytest

from triage.errors import ModelNotFoundError, TriageError
from triage.nlp.bundle import load_model, save_model


def test_saved_model_round_trips_and_is_never_overwritten(engine, tmp_path, parser, embedder):
    folder = save_model(engine.classifier, tmp_path / "m1", {"name": "m1"})
    loaded, manifest = load_model(folder)
    notes = parser.parse_many(["Lonely and skint.", "Section 21 served, two kids, no food in."])
    assert (loaded.probabilities(notes) == engine.classifier.probabilities(notes)).all()
    with pytest.raises(TriageError, match="never change"):
        save_model(engine.classifier, folder, {})


def test_missing_model_says_how_to_fix(tmp_path):
    with pytest.raises(ModelNotFoundError, match="triage train"):
        load_model(tmp_path)
