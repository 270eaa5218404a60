"""Load benchmark of the HTTP service over loopback (a script, not a test).

    python -m training.benchmark_service [--requests 60] [--max-seconds 120] [--clients 1,8,32]
                                         [--url http://127.0.0.1:8000 --token TOKEN]

Measures end-to-end request latency and throughput of POST /v1/triage (stateless: classification,
embeddings, search and ranking) and POST /v1/referrals (the same triage plus the database commit) as
real HTTP clients see them, at 1, 8 and 32 concurrent clients. Each level sends a fixed number of
requests (--requests) with notes from training/data/test.jsonl, stopping early if it runs longer than
--max-seconds. Each client is a thread with one persistent httpx.Client (keep-alive). Errors are
non-2xx answers and exceptions (timeouts, refused connections); latency percentiles are over the
successful requests (nearest rank).

By default it starts the server itself (`triage serve`) on a free loopback port with a temporary data
directory (SQLite, the demo directory, TRIAGE_MODEL_URI= so the shipped model is served), creates a
referrer, warms up and stops the server at the end. With --url and --token it benchmarks an already
running server instead (it then writes referrals into that server's database).

Target: POST /v1/triage p95 <= 60 ms at 8 concurrent clients on 2 cores, zero errors.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

NOTES_FILE = Path(__file__).resolve().parent / "data" / "test.jsonl"
ENDPOINTS = ("/v1/triage", "/v1/referrals")
TARGET_ENDPOINT, TARGET_CLIENTS, TARGET_P95_MS = "/v1/triage", 8, 60.0
READY_WITHIN = 180.0


@dataclass
class Level:
    endpoint: str
    clients: int
    planned: int
    timings_ms: list[float] = field(default_factory=list)
    errors: int = 0
    error_samples: list[str] = field(default_factory=list)
    wall_s: float = 0.0
    capped: bool = False

    @property
    def done(self) -> int:
        return len(self.timings_ms) + self.errors

    def percentile(self, p: float) -> float:
        """Nearest-rank percentile of the successful requests, in ms (nan when none succeeded)."""
        if not self.timings_ms:
            return math.nan
        ordered = sorted(self.timings_ms)
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    @property
    def throughput(self) -> float:
        return self.done / self.wall_s if self.wall_s else 0.0


def load_notes() -> list[str]:
    return [json.loads(line)["text"] for line in NOTES_FILE.read_text(encoding="utf-8").splitlines() if line.strip()]


def body(endpoint: str, text: str) -> dict:
    return {"text": text} if endpoint == "/v1/triage" else {"text": text, "source": "gp"}


def run_level(url: str, token: str, endpoint: str, clients: int, requests: int, max_seconds: float,
              notes: list[str], offset: int) -> Level:
    """`requests` requests from `clients` threads, each with its own keep-alive connection."""
    level = Level(endpoint, clients, requests)
    lock = threading.Lock()
    counter = iter(range(requests))
    start = threading.Event()
    deadline = [0.0]

    def next_index() -> int | None:
        with lock:
            if time.perf_counter() > deadline[0]:
                level.capped = True
                return None
            return next(counter, None)

    def client_thread() -> None:
        with httpx.Client(base_url=url, timeout=httpx.Timeout(60.0, connect=10.0),
                          headers={"Authorization": f"Bearer {token}"}) as client:
            start.wait()
            while (i := next_index()) is not None:
                text = notes[(offset + i) % len(notes)]
                headers = {"Idempotency-Key": f"bench-{uuid.uuid4().hex}"} if endpoint == "/v1/referrals" else {}
                t0 = time.perf_counter()
                try:
                    r = client.post(endpoint, json=body(endpoint, text), headers=headers)
                    ok, problem = 200 <= r.status_code < 300, f"HTTP {r.status_code}"
                except httpx.HTTPError as e:
                    ok, problem = False, type(e).__name__
                elapsed = (time.perf_counter() - t0) * 1000
                with lock:
                    if ok:
                        level.timings_ms.append(elapsed)
                    else:
                        level.errors += 1
                        if len(level.error_samples) < 3:
                            level.error_samples.append(problem)

    threads = [threading.Thread(target=client_thread, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    t0 = time.perf_counter()
    deadline[0] = t0 + max_seconds
    start.set()
    for thread in threads:
        thread.join(timeout=max_seconds + 120)  # a request in flight at the cap may take its own timeout
    level.wall_s = time.perf_counter() - t0
    return level


def warm_up(url: str, token: str, notes: list[str]) -> None:
    with httpx.Client(base_url=url, timeout=60, headers={"Authorization": f"Bearer {token}"}) as client:
        for i in range(8):
            client.post("/v1/triage", json=body("/v1/triage", notes[i % len(notes)])).raise_for_status()
        for i in range(3):
            client.post("/v1/referrals", json=body("/v1/referrals", notes[i % len(notes)])).raise_for_status()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`triage serve` in a subprocess on a temporary data directory, with a referrer's token."""

    def __init__(self, home: Path) -> None:
        self.home = home
        self.env = os.environ | {"TRIAGE_HOME": str(home), "TRIAGE_MODEL_URI": "", "HF_HUB_OFFLINE": "1"}
        self.env.pop("TRIAGE_DATABASE_URL", None)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = home / "serve.log"
        self.process: subprocess.Popen | None = None
        self.token = ""

    def cli(self, *args: str) -> list[str]:
        return [sys.executable, "-m", "service.cli", *args]

    def start(self) -> None:
        created = subprocess.run(self.cli("users", "create", "bench", "--role", "referrer", "--org", "Benchmark"),
                                 env=self.env, capture_output=True, text=True, timeout=300, check=True)
        self.token = created.stdout.strip().splitlines()[-1]
        self.process = subprocess.Popen(self.cli("serve", "--host", "127.0.0.1", "--port", str(self.port)),
                                        env=self.env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                        stderr=self.log.open("w"))
        deadline = time.monotonic() + READY_WITHIN
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit(f"the server exited with {self.process.returncode}:\n{self.log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.url}/readyz", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise SystemExit(f"the server was not ready within {READY_WITHIN:.0f} s")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def cpu_count() -> str:
    total = os.cpu_count()
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else total
    return f"{usable}" if usable == total else f"{usable} usable of {total}"


def render(levels: list[Level]) -> str:
    header = (f"{'endpoint':<15} {'clients':>7} {'requests':>8} {'errors':>6} {'req/s':>7} "
              f"{'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    lines = [header]
    for lv in levels:
        note = f"  (stopped at the time cap: {lv.done} of {lv.planned})" if lv.capped and lv.done < lv.planned else ""
        samples = f"  e.g. {', '.join(lv.error_samples)}" if lv.error_samples else ""
        lines.append(f"{lv.endpoint:<15} {lv.clients:>7} {lv.done:>8} {lv.errors:>6} {lv.throughput:>7.1f} "
                     f"{lv.percentile(50):>8.1f} {lv.percentile(95):>8.1f} {lv.percentile(99):>8.1f}{note}{samples}")
    return "\n".join(lines)


def verdict(levels: list[Level]) -> str:
    target = next((lv for lv in levels if lv.endpoint == TARGET_ENDPOINT and lv.clients == TARGET_CLIENTS), None)
    if target is None:
        return f"target not measured ({TARGET_ENDPOINT} at {TARGET_CLIENTS} clients was not run)"
    met = target.errors == 0 and target.done == target.planned and target.percentile(95) <= TARGET_P95_MS
    return (f"target {TARGET_ENDPOINT} p95 <= {TARGET_P95_MS:.0f} ms at {TARGET_CLIENTS} clients, zero errors: "
            f"{'MET' if met else 'NOT MET'} (p95 {target.percentile(95):.1f} ms, {target.errors} errors)")


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--requests", type=int, default=60, help="requests per endpoint and concurrency level")
    args.add_argument("--max-seconds", type=float, default=120.0, help="time cap per level")
    args.add_argument("--clients", default="1,8,32", help="concurrency levels, comma-separated")
    args.add_argument("--url", help="benchmark this running server instead of starting one")
    args.add_argument("--token", help="bearer token for --url (a referrer, link_worker or admin)")
    opts = args.parse_args()
    if opts.requests < 1 or opts.max_seconds <= 0:
        args.error("--requests and --max-seconds must be positive")
    if opts.url and not opts.token:
        args.error("--url needs --token")
    levels_wanted = [int(c) for c in opts.clients.split(",") if c.strip()]
    if not levels_wanted or min(levels_wanted) < 1 or max(levels_wanted) > 256:
        args.error("--clients: between 1 and 256 each")
    notes = load_notes()

    with tempfile.TemporaryDirectory(prefix="triage-loadbench-") as home:
        server = None
        try:
            if opts.url:
                url, token = opts.url.rstrip("/"), opts.token
            else:
                server = Server(Path(home))
                started = time.perf_counter()
                server.start()
                print(f"server started on {server.url} in {time.perf_counter() - started:.1f} s", flush=True)
                url, token = server.url, server.token
            ready = httpx.get(f"{url}/readyz", timeout=10).json()
            print(f"CPUs: {cpu_count()}   model: {ready['model']['version']} ({ready['model']['source']})   "
                  f"server: {url}{'' if opts.url else ' (started here, SQLite)'}")
            print(f"requests per level: {opts.requests} (cap {opts.max_seconds:.0f} s)   "
                  f"notes: {len(notes)} from {NOTES_FILE.relative_to(NOTES_FILE.parents[2])}")
            print(f"target: {TARGET_ENDPOINT} p95 <= {TARGET_P95_MS:.0f} ms at {TARGET_CLIENTS} concurrent clients "
                  "on 2 cores, zero errors", flush=True)
            warm_up(url, token, notes)
            levels = []
            for n, (endpoint, clients) in enumerate((e, c) for e in ENDPOINTS for c in levels_wanted):
                levels.append(run_level(url, token, endpoint, clients, opts.requests, opts.max_seconds, notes,
                                        offset=n * opts.requests))
            print()
            print(render(levels))
            print()
            print(verdict(levels))
        finally:
            if server is not None:
                server.stop()


if __name__ == "__main__":
    main()
