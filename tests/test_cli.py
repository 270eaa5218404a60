"""The console script, run as a user runs it (a real subprocess on a fresh data directory)."""

import json
import os
import subprocess
import sys

import pytest
from conftest import process_env

NOTE = "Lives alone since his wife died in March, has not left the flat for weeks and is behind on council tax."


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    home = tmp_path_factory.mktemp("cli-home")
    env = process_env(home)
    triage = os.path.join(os.path.dirname(sys.executable), "triage")

    def run(*args, stdin=""):
        return subprocess.run([triage, *args], input=stdin, capture_output=True, text=True, env=env,
                              timeout=300)
    return run


def test_match_prints_the_contract(run):
    lines = "\n".join(json.dumps(r) for r in [{"id": "1", "text": NOTE}, {"id": "2", "text": "Wants a job."}])
    result = run("match", "--top", "3", stdin=lines)
    assert result.returncode == 0, result.stderr
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["id"] for o in out] == ["1", "2"]
    assert {"loneliness", "debt"} <= {n["need"] for n in out[0]["needs"]}
    assert len(out[0]["suggestions"]) == 3
    assert set(out[0]["suggestions"][0]) == {"asset_id", "name", "score", "needs", "distance_km", "reasons", "features"}
    assert out[0]["model_version"] and out[0]["model_version"] == out[1]["model_version"]


def test_bad_lines_are_named_and_nothing_is_printed(run):
    lines = "\n".join([json.dumps({"id": "1", "text": NOTE}), "{not json", json.dumps({"id": "3"}),
                       json.dumps({"id": "4", "text": "x", "needs": ["lonliness"]})])
    result = run("classify", stdin=lines)
    assert result.returncode == 2 and result.stdout == ""
    assert "stdin line 2: not valid JSON" in result.stderr
    assert "stdin line 3: field 'text'" in result.stderr
    assert "stdin line 4" in result.stderr and "lonliness" in result.stderr


def test_bad_import_writes_nothing(run, tmp_path):
    before = run("assets", "export")
    bad = tmp_path / "bad.csv"
    bad.write_text("id,name,description,cost\nnew-1,Walk,A walk,free\nnew-2,Choir,Sing,pricey\n")
    result = run("assets", "import", str(bad))
    assert result.returncode == 2 and "row 3: field 'cost'" in result.stderr
    assert run("assets", "export").stdout == before.stdout
    assert "new-1" not in before.stdout


def test_import_updates_the_index(run, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("id,name,description,needs,delivery\n"
                    "brass-1,Colliery Brass Band,Learn a brass instrument with the old colliery band.,loneliness,in_person\n")
    assert run("assets", "import", str(good)).returncode == 0
    result = run("match", stdin=json.dumps({"id": "m", "text": "Used to play the cornet in a colliery band, lonely now.",
                                            "needs": ["loneliness"]}))
    assert "brass-1" in [s["asset_id"] for s in json.loads(result.stdout)["suggestions"]]


def test_serve_starts_and_answers(tmp_path):
    import socket
    import time
    import urllib.error
    import urllib.request

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = process_env(tmp_path)
    triage = os.path.join(os.path.dirname(sys.executable), "triage")
    created = subprocess.run([triage, "users", "create", "gp-desk", "--role", "referrer", "--org", "Oak Lane"],
                             env=env, capture_output=True, text=True, check=True)
    token = created.stdout.strip().splitlines()[-1]
    log = tmp_path / "serve.log"
    server = subprocess.Popen([triage, "serve", "--port", str(port)], env=env,
                              stdout=subprocess.DEVNULL, stderr=log.open("w"))
    try:
        deadline = time.time() + 120
        while time.time() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=2) as r:
                    assert json.loads(r.read())["status"] == "ready"
                    break
            except OSError:
                time.sleep(1)
        else:
            pytest.fail("the service was not ready within 120 s")
        url = f"http://127.0.0.1:{port}/v1/triage"
        body = json.dumps({"text": NOTE}).encode()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(url, data=body, headers={"content-type": "application/json"}))
        assert refused.value.code == 401
        request = urllib.request.Request(url, method="POST", data=body, headers={
            "content-type": "application/json", "authorization": f"Bearer {token}"})
        with urllib.request.urlopen(request, timeout=60) as r:
            assert len(json.loads(r.read())["suggestions"]) == 5
    finally:
        server.terminate()
        server.wait(timeout=30)
    assert "Application shutdown complete" in log.read_text()  # SIGTERM: a graceful stop
    assert NOTE not in log.read_text()


def test_open_referral_feed_imports_with_warnings_and_exports(run):
    feed = os.path.join(os.path.dirname(__file__), "fixtures", "openreferral", "oruk-validator-mocks",
                        "V3.0-UK-Default", "service_list.json")
    result = run("assets", "import", feed)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["added"] == 1
    assert "warning:" in result.stderr and "latitude" not in result.stdout
    page = json.loads(run("assets", "export", "--format", "openreferral").stdout)
    assert "Community Counselling" in [s["name"] for s in page["contents"]]
    assert page["total_items"] == len(page["contents"])


def test_invalid_open_referral_feed_is_named_and_writes_nothing(run):
    feed = os.path.join(os.path.dirname(__file__), "fixtures", "openreferral", "oruk-validator-mocks",
                        "V3.0-UK-Fail", "service_list.json")
    before = run("assets", "export")
    result = run("assets", "import", feed)
    assert result.returncode == 2 and "contents[0]" in result.stderr and "field 'name'" in result.stderr
    assert run("assets", "export").stdout == before.stdout


def test_evaluate_matching_prints_ranker_and_baselines(run, tmp_path):
    from training.matching_set import MATCHING_SET

    cases = tmp_path / "cases.jsonl"
    cases.write_text("\n".join(MATCHING_SET.read_text(encoding="utf-8").splitlines()[:6]) + "\n")
    result = run("evaluate-matching", "--cases", str(cases), "--no-track")
    assert result.returncode == 0, result.stderr
    assert "matching set: 6 referrals" in result.stdout
    rows: dict[str, list[str]] = {}
    for line in result.stdout.splitlines():  # the first block is the whole set
        if len(line.split()) == 5:
            rows.setdefault(line.split()[0], line.split()[1:])
    assert {"ranker", "ranker_gold_needs", "tfidf", "embedding"} <= set(rows)
    assert rows["ranker"][3] == "0"  # no ineligible asset suggested


def test_a_service_that_closes_is_removed_by_the_next_import(run, tmp_path):
    feed = tmp_path / "feed.json"
    service = {"id": "0a1b2c3d-0000-4000-8000-000000000001", "name": "Tuesday Lunch Club", "status": "active",
               "description": "A hot lunch and company for older people."}
    feed.write_text(json.dumps([service]))
    assert run("assets", "import", str(feed)).returncode == 0
    assert service["id"] in run("assets", "export").stdout
    feed.write_text(json.dumps([service | {"status": "defunct"}]))
    result = run("assets", "import", str(feed))
    assert result.returncode == 0 and json.loads(result.stdout)["removed"] == 1
    assert service["id"] not in run("assets", "export").stdout


def test_users_create_list_revoke(run):
    created = run("users", "create", "dr-example", "--role", "referrer", "--org", "Oak Lane Surgery")
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip().splitlines()[-1]
    assert token.startswith("tri_") and len(token) > 40
    listed = run("users", "list").stdout
    assert "dr-example\treferrer\tOak Lane Surgery\tactive" in listed and token not in listed
    assert run("users", "revoke", "dr-example").returncode == 0
    assert "dr-example\treferrer\tOak Lane Surgery\trevoked" in run("users", "list").stdout


@pytest.mark.parametrize("args,problem", [
    (("users", "create", "x", "--role", "boss"), "valid roles: referrer, link_worker, data_scientist, admin"),
    (("users", "create", "y", "--role", "referrer"), "a referrer needs an organisation"),
    (("users", "revoke", "nobody"), "no user 'nobody'"),
])
def test_users_errors_are_named(run, args, problem):
    result = run(*args)
    assert result.returncode == 2 and problem in result.stderr and result.stdout == ""


def test_report_and_export_outcomes(run, tmp_path):
    from datetime import date

    today = date.today().isoformat()
    assert run("init").returncode == 0  # the database exists
    written = run("report", "--from", "2026-01-01", "--to", today, "--output", str(tmp_path / "r.html"))
    assert written.returncode == 0, written.stderr
    assert "Referrals and outcomes" in (tmp_path / "r.html").read_text()
    exported = run("export-outcomes", "--from", "2026-01-01", "--to", today)
    assert exported.returncode == 0 and exported.stdout.startswith("referral_key,")
    bad = run("report", "--from", "2026-13-01", "--to", today)
    assert bad.returncode == 2 and "--from: '2026-13-01' is not a date" in bad.stderr
