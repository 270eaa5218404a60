"""Training on a small slice of the corpus (never the full model), the test split untouched,
and a tracked MLflow run with a registered model and no referral text."""

import json

import pytest

from training import corpus
from training.corpus import load_split, split_of
from training.train import train


@pytest.fixture(scope="module")
def small_run(tmp_path_factory, monkeypatch_module, engine):
    read = []
    original = corpus.load_split

    def spy(name, *args, **kwargs):
        read.append(name)
        return original(name, *args, **kwargs)

    monkeypatch_module.setattr("training.train.load_split", spy)
    folder = tmp_path_factory.mktemp("models") / "small"
    result = train(folder, limit=150, c_grid=(4.0,), head_epochs=1)
    return result, read


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def test_training_never_reads_the_test_split(small_run):
    _, read = small_run
    assert "test" not in read and {"train", "dev"} <= set(read)


def test_saved_model_has_manifest_card_and_thresholds(small_run):
    result, _ = small_run
    manifest = json.loads((result.folder / "manifest.json").read_text())
    assert set(manifest["thresholds"]) == set(manifest["labels"])
    assert manifest["data_hash"]["train"] and manifest["params"]["train_notes"] == 150
    assert "Model card" in (result.folder / "MODEL_CARD.md").read_text()
    assert 0.0 <= result.dev_summary["micro_f1"] <= 1.0


def test_fine_tuning_moves_the_top_layers_and_keeps_the_embeddings_and_bottom_layers(small_run):
    import torch
    from transformers import AutoModel

    from triage.nlp.embedder import default_model_path
    from triage.nlp.encoder_head import FROZEN_LAYERS

    base = AutoModel.from_pretrained(str(default_model_path())).state_dict()
    tuned = small_run[0].classifier.head.network.encoder.state_dict()

    def unchanged(name: str) -> bool:  # against the float16 a model folder keeps
        return torch.equal(tuned[name], base[name].to(torch.float16).to(torch.float32))

    frozen = [n for n, weights in base.items() if weights.is_floating_point() and (
        n.startswith("embeddings.") or any(n.startswith(f"encoder.layer.{i}.") for i in range(FROZEN_LAYERS)))]
    assert frozen and all(unchanged(n) for n in frozen)
    assert not unchanged("encoder.layer.5.attention.self.query.weight")


def test_no_identifiers_reach_the_saved_vocabulary(small_run):
    import re

    vectorizer = small_run[0].classifier.features.vectorizer
    assert getattr(vectorizer, "stop_words_", None) is None
    vocabulary = " ".join(vectorizer.vocabulary_)
    assert not re.search(r"07700|01632|@|\bcx\d", vocabulary)
    assert "name" in vectorizer.vocabulary_  # the [NAME] placeholder: names were redacted first


def test_splits_are_fixed_and_disjoint():
    from training.build_corpus import FOLDER_SPLIT

    ids = {name: {n.id for n in load_split(name)} for name in ("train", "dev", "test")}
    assert not (ids["train"] & ids["dev"] or ids["train"] & ids["test"] or ids["dev"] & ids["test"])
    assert len(ids["test"]) >= 500
    written_for = {n.id: split for folder, split in FOLDER_SPLIT.items()
                   for path in (corpus.DATA_DIR / "raw" / folder).glob("*.jsonl") for n in corpus.load_notes(path)}
    for name, members in ids.items():
        assert all(written_for.get(i, split_of(i)) == name for i in members)


def test_build_splits_by_id_sends_later_notes_where_written_for_and_finds_near_duplicates(tmp_path, embedder):
    from training.build_corpus import DEV_ONLY, TRAIN_ONLY, build

    def line(note_id: str, text: str) -> str:
        return json.dumps({"id": note_id, "text": text, "needs": ["debt"], "risk_flags": [], "source": "gp",
                           "style": "gp_shorthand", "hard": [], "ruled_out": []})

    candidates = [f"b-{i:04d}" for i in range(200)]
    by_split = {name: [i for i in candidates if split_of(i) == name] for name in ("train", "dev", "test")}
    topics = ["council tax arrears and bailiff letters", "lives alone, no visitors since spring",
              "Section 21 notice, needs rehousing", "wants help with a CV after redundancy",
              "cares for husband with dementia, exhausted"]
    raw = tmp_path / "raw"
    (raw / TRAIN_ONLY).mkdir(parents=True)
    (raw / DEV_ONLY).mkdir()
    held = [by_split["dev"][0], by_split["test"][0], by_split["test"][1], by_split["train"][0]]
    (raw / "a_part01.jsonl").write_text("\n".join(
        line(i, f"{n + 50}yo, {topic}") for n, (i, topic) in enumerate(zip(held, topics))) + "\n")
    extra = by_split["test"][2]  # its id hashes to test, but it was written for training
    (raw / TRAIN_ONLY / "x_part01.jsonl").write_text(line(extra, f"{50}yo, {topics[0]}") + "\n")
    tuning = by_split["train"][1]  # hashes to train, written for dev
    (raw / DEV_ONLY / "d_part01.jsonl").write_text(line(tuning, "20yo, self-referral: no money for food") + "\n")
    report = build(raw, tmp_path, embedder)
    written = {name: [json.loads(x)["id"] for x in (tmp_path / f"{name}.jsonl").read_text().splitlines()]
               for name in ("train", "dev", "test")}
    assert written == {"train": [by_split["train"][0], extra], "dev": [by_split["dev"][0], tuning],
                       "test": [by_split["test"][0], by_split["test"][1]]}
    assert report.near_duplicate_share == pytest.approx(2 / 6)  # the extra note repeats the dev note
    assert report.train_near_held_out == 1

    (raw / TRAIN_ONLY / "x_part02.jsonl").write_text(line(extra, "another note") + "\n")
    with pytest.raises(ValueError, match=f"x_part02.jsonl:1: duplicate id {extra}"):
        build(raw, tmp_path, embedder)
    (raw / TRAIN_ONLY / "x_part02.jsonl").write_text(line("b-new", "fine") + "\n" + "{not json\n")
    with pytest.raises(ValueError, match="x_part02.jsonl:2: not JSON"):
        build(raw, tmp_path, embedder)
    (raw / TRAIN_ONLY / "x_part02.jsonl").write_text('{"text": "no id"}\n')
    with pytest.raises(ValueError, match="x_part02.jsonl:1: not a note"):
        build(raw, tmp_path, embedder)
    assert [json.loads(x)["id"] for x in (tmp_path / "train.jsonl").read_text().splitlines()] == \
        [by_split["train"][0], extra]  # a failed build wrote nothing


def test_tracked_run_registers_a_model_without_referral_text(small_run, tmp_path):
    import mlflow

    from training.tracking import MODEL_NAME, log_training_run
    from triage.settings import Settings

    result, _ = small_run
    settings = Settings(home=tmp_path)
    out = log_training_run(settings, result.manifest, {"dev_micro_f1": result.dev_summary["micro_f1"]},
                           {"dev_per_label": result.dev_table, "dev_confusions": {"pairs": result.dev_confusions}},
                           result.folder)
    client = mlflow.MlflowClient(settings.mlflow_uri)
    assert client.get_model_version(MODEL_NAME, out["registered_version"]).run_id == out["run_id"]
    run = client.get_run(out["run_id"])
    assert run.data.metrics["dev_micro_f1"] == pytest.approx(result.dev_summary["micro_f1"])
    artifacts = {a.path for a in client.list_artifacts(out["run_id"])}
    assert {"dev_per_label.json", "dev_confusions.json"} <= artifacts
    texts = [n.text for n in load_split("dev")[:150]]
    logged = json.dumps(run.data.params) + (tmp_path / "mlartifacts").as_posix()
    for path in (tmp_path / "mlartifacts").rglob("*.json"):
        logged += path.read_text()
    assert not any(t[:60] in logged for t in texts)


def test_corpus_meets_its_quotas():
    from collections import Counter

    from triage.taxonomy import NEED_IDS, RISK_IDS

    notes = [n for name in ("train", "dev", "test") for n in load_split(name)]
    assert len(notes) >= 3000
    positives = Counter(label for n in notes for label in n.labels)
    ruled_out = Counter(need for n in notes for need in n.ruled_out if need not in n.needs)
    assert all(positives[n] >= 200 and ruled_out[n] >= 50 for n in NEED_IDS)
    assert all(positives[r] >= 150 for r in RISK_IDS)
    assert sum(bool(n.hard) for n in notes) >= len(notes) / 3
    assert all(1 <= len(n.text.split()) <= 200 and len(n.needs) <= 5 for n in notes)
