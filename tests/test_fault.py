"""Fault test: SIGKILL the server during a bounded loopback load of referral POSTs, restart it on the
same data directory and database, and check that no acknowledged referral was lost and that retrying
the unacknowledged ones with their Idempotency-Key creates no duplicate.

A 201 is promised only after the database commit, so every referral that got one must survive a
kill -9 of the process. Runs on SQLite under a temporary TRIAGE_HOME, or on a fresh PostgreSQL
database when TRIAGE_TEST_DATABASE_URL is set (CI's second run).
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import httpx
import pytest
from conftest import fresh_database_url

ROOT = Path(__file__).resolve().parent.parent
NOTES = [json.loads(line)["text"] for line in (ROOT / "training" / "data" / "test.jsonl").read_text(
    encoding="utf-8").splitlines() if line.strip()]
TRIAGE = os.path.join(os.path.dirname(sys.executable), "triage")
CLIENTS = 4
MAX_POSTS = 150  # the whole load, at most
KILL_AFTER = 40  # acknowledged referrals before the kill
READY_WITHIN = 120.0
LOAD_WITHIN = 60.0  # the kill happens by then even if fewer than KILL_AFTER were acknowledged


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _env(home: Path, database: str | None) -> dict[str, str]:
    env = os.environ | {"TRIAGE_HOME": str(home), "TRIAGE_MODEL_URI": "", "HF_HUB_OFFLINE": "1"}
    env.pop("TRIAGE_DATABASE_URL", None)  # the session's database (conftest) must not leak in
    if database:
        env["TRIAGE_DATABASE_URL"] = database
    return env


def _start(env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    """`triage serve` in its own process: the console script runs uvicorn in-process, so the Popen pid is
    the server itself. Returns once /readyz answers ready."""
    server = subprocess.Popen([TRIAGE, "serve", "--host", "127.0.0.1", "--port", str(port)], env=env,
                              stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=log.open("a"))
    deadline = time.monotonic() + READY_WITHIN
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"the server exited with {server.returncode}:\n{log.read_text()[-3000:]}")
        try:
            r = httpx.get(f"http://127.0.0.1:{port}/readyz", timeout=2)
            if r.status_code == 200 and r.json()["status"] == "ready":
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    _stop(server)
    pytest.fail(f"the server was not ready within {READY_WITHIN:.0f} s:\n{log.read_text()[-3000:]}")


def _stop(server: subprocess.Popen | None) -> None:
    if server is not None and server.poll() is None:
        server.kill()
        server.wait(timeout=30)


class Load:
    """CLIENTS threads posting referrals, each with a unique Idempotency-Key, until told to stop or
    MAX_POSTS were sent. Records what was acknowledged (201) and what was sent but not answered."""

    def __init__(self, base: str, token: str) -> None:
        self.base, self.token = base, token
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.sent = 0
        self.texts: dict[str, str] = {}  # key -> text, for every request sent
        self.acked: dict[str, str] = {}  # key -> referral id, 201 received
        self.failed: dict[str, str] = {}  # key -> what happened instead of a 201
        self.acked_count = threading.Condition(self.lock)

    def _next(self) -> tuple[str, str] | None:
        with self.lock:
            if self.stop.is_set() or self.sent >= MAX_POSTS:
                return None
            key = f"fault-{self.sent:03d}-{uuid.uuid4().hex[:8]}"
            text = NOTES[self.sent % len(NOTES)]
            self.sent += 1
            self.texts[key] = text
            return key, text

    def worker(self) -> None:
        with httpx.Client(base_url=self.base, timeout=httpx.Timeout(30.0, connect=5.0),
                          headers={"Authorization": f"Bearer {self.token}"}) as client:
            while (job := self._next()) is not None:
                key, text = job
                try:
                    r = client.post("/v1/referrals", json={"text": text, "source": "gp"},
                                    headers={"Idempotency-Key": key})
                except httpx.HTTPError as e:
                    outcome = f"{type(e).__name__}"
                else:
                    if r.status_code == 201:
                        with self.lock:
                            self.acked[key] = r.json()["id"]
                            self.acked_count.notify_all()
                        continue
                    outcome = f"HTTP {r.status_code}: {r.text[:200]}"
                with self.lock:
                    self.failed[key] = outcome

    def wait_for_acks(self, count: int, within: float) -> None:
        deadline = time.monotonic() + within
        with self.lock:
            while len(self.acked) < count and self.sent < MAX_POSTS and time.monotonic() < deadline:
                self.acked_count.wait(timeout=0.2)


def test_sigkill_during_load_loses_no_acknowledged_referral(tmp_path):
    home = tmp_path / "home"
    env = _env(home, fresh_database_url("triage_fault"))
    log = tmp_path / "serve.log"
    created = subprocess.run([TRIAGE, "users", "create", "fault-desk", "--role", "referrer", "--org", "Oak Lane"],
                             env=env, capture_output=True, text=True, timeout=120, check=True)
    token = created.stdout.strip().splitlines()[-1]
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    server = None
    try:
        server = _start(env, port, log)
        load = Load(base, token)
        threads = [threading.Thread(target=load.worker, daemon=True) for _ in range(CLIENTS)]
        for thread in threads:
            thread.start()
        load.wait_for_acks(KILL_AFTER, LOAD_WITHIN)
        os.kill(server.pid, signal.SIGKILL)  # no shutdown, no flush: as a power cut to the process
        load.stop.set()
        server.wait(timeout=30)
        assert server.returncode == -signal.SIGKILL
        for thread in threads:
            thread.join(timeout=40)
            assert not thread.is_alive(), "a client thread hung after the kill"

        with load.lock:
            acked, failed, texts = dict(load.acked), dict(load.failed), dict(load.texts)
        assert len(acked) >= 10, f"too few referrals acknowledged before the kill: {len(acked)}; failed: {failed}"
        assert all(not o.startswith("HTTP") for o in failed.values()), f"errors before the kill: {failed}"
        # with four clients always waiting on the server, the kill lands on requests in flight
        assert failed, "no request was in flight when the server was killed"
        assert set(acked).isdisjoint(failed) and set(acked) | set(failed) == set(texts)

        server = _start(env, port, log)  # same home, same database
        with httpx.Client(base_url=base, timeout=30, headers={"Authorization": f"Bearer {token}"}) as client:
            lost = {}
            for key, referral_id in acked.items():
                r = client.get(f"/v1/referrals/{referral_id}")
                if r.status_code != 200 or r.json()["text"] != texts[key]:
                    lost[key] = (referral_id, r.status_code)
            assert not lost, f"{len(lost)} of {len(acked)} acknowledged referrals lost after SIGKILL: {lost}"

            # retry what was in flight with the same key: stored once, whether or not it was committed before
            stored = dict(acked)
            created = 0
            for key in failed:
                r = client.post("/v1/referrals", json={"text": texts[key], "source": "gp"},
                                headers={"Idempotency-Key": key})
                assert r.status_code in (200, 201), (key, r.status_code, r.text)
                assert r.json()["text"] == texts[key]
                stored[key] = r.json()["id"]
                created += r.status_code == 201
            # a second retry of every key (acknowledged ones too) only replays
            for key in list(acked)[:10] + list(failed):
                r = client.post("/v1/referrals", json={"text": texts[key], "source": "gp"},
                                headers={"Idempotency-Key": key})
                assert r.status_code == 200 and r.headers.get("Idempotent-Replayed") == "true", (key, r.status_code)
                assert r.json()["id"] == stored[key]

            page = client.get("/v1/referrals", params={"limit": 200})
            assert page.status_code == 200
            assert page.json()["total"] == len(stored) == len(set(stored.values())), (
                f"{page.json()['total']} referrals stored for {len(stored)} distinct keys")
            assert {item["id"] for item in page.json()["items"]} == set(stored.values())
    finally:
        _stop(server)
    print(f"\nacknowledged before the kill: {len(acked)}, all found after restart; in flight at the kill: "
          f"{len(failed)}, of which {len(failed) - created} had been committed (replayed on retry) and "
          f"{created} had not (created on retry)")
