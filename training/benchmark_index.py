"""Speed, memory and recall of the asset index on synthetic directories (a script, not a test).

    python -m training.benchmark_index [--sizes 100000 1000000] [--queries 500] [--kinds flat ivf]

Method. Directory vectors are made to look like real asset embeddings, not uniform random vectors:
a few thousand asset descriptions are generated from templates (activity x audience x place x delivery x
organisation x cost x schedule, in several sentence frames, after demo/castlemere_assets.csv) and
embedded with the real model (all-MiniLM-L6-v2); each of the N directory vectors is a random convex
mixture (Dirichlet weights) of 2-3 of those embeddings plus Gaussian noise, re-normalised. Queries are
the real referral notes of training/data/dev.jsonl, embedded with the same model. Ground truth is exact
flat inner-product search over the same vectors. Search latency is one query at a time (excluding
embedding the query); add / remove / update latency is one asset per call through the public API.
Everything is seeded; nothing is cached.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

from triage.matching.index import EXACT_LIMIT, AssetIndex
from triage.nlp.embedder import Embedder

DEV = Path(__file__).parent / "data" / "dev.jsonl"
TARGETS = {"p95_small_ms": 5.0, "p95_large_ms": 15.0, "recall10": 0.95, "mutation_ms": 50.0}
NOISE = 0.01  # per dimension: a noise vector of norm ~0.2 before re-normalising
BUDGET_S = 10.0  # stop a latency measurement after this long (slow exact removals at 1M)

ACTIVITIES = [
    ("woodwork, bench repairs and bird boxes", "a friendly place to make things and chat over a brew"),
    ("a weekly walking group", "gentle routes at a chatty pace, nobody left behind"),
    ("gardening on a shared allotment", "growing vegetables together and taking some home"),
    ("singing for lung health", "breathing exercises and easy songs to help with breathlessness"),
    ("cooking on a budget", "simple healthy meals for a few pounds, with recipes to take away"),
    ("free debt advice", "help to deal with creditors, bailiffs and council tax arrears"),
    ("benefits checks and form filling", "making sure you get everything you are entitled to"),
    ("emergency food parcels", "three days of food and toiletries, no questions asked"),
    ("housing and homelessness advice", "help with eviction notices, repairs and finding a tenancy"),
    ("befriending phone calls", "a trained volunteer rings each week for a chat"),
    ("peer support for unpaid carers", "time for yourself and people who understand"),
    ("bereavement support", "a safe space to talk about the person you have lost"),
    ("arts and crafts sessions", "painting, pottery and collage, no experience needed"),
    ("chair-based exercise", "seated strength and balance work to prevent falls"),
    ("job club and CV help", "support with applications, interviews and confidence"),
    ("English conversation classes", "practise everyday English in a relaxed group"),
    ("digital skills drop-in", "help with smartphones, email and online forms"),
    ("mindfulness and relaxation", "simple techniques for stress, worry and low mood"),
    ("talking therapy and counselling", "six free sessions with a qualified counsellor"),
    ("a parent and toddler group", "play, songs and a cuppa for parents of under-fives"),
    ("youth football and mentoring", "training twice a week and someone to talk to"),
    ("a knit and natter circle", "bring your needles or borrow some, and have a natter"),
    ("a dementia cafe", "activities, music and advice for people with memory loss"),
    ("stop smoking support", "nicotine replacement and weekly check-ins"),
    ("an alcohol recovery group", "mutual support for people cutting down or stopping drinking"),
    ("domestic abuse support", "confidential advice, safety planning and an advocate"),
    ("energy and fuel poverty advice", "help with heating costs, meters and warm home grants"),
    ("volunteering opportunities", "meet people, learn skills and give something back"),
    ("a reading group", "one book a month and a lively discussion"),
    ("tai chi classes", "slow movement to improve balance and calm the mind"),
    ("a cycling club", "bikes loaned free, routes on quiet lanes"),
    ("cancer support", "information, complementary therapies and peer support"),
    ("diabetes education", "understanding food, medication and checks"),
    ("a weight management course", "twelve weeks of healthy eating and activity"),
    ("immigration legal advice", "help with visas, asylum claims and appeals"),
    ("free furniture and white goods", "beds, sofas and cookers for people setting up home"),
    ("a men's mental health group", "football, fishing and honest talk"),
    ("a social club for people with learning disabilities", "discos, days out and friendships"),
    ("swimming sessions", "quiet lanes and a friendly instructor"),
    ("a community lunch", "a hot two-course meal and good company"),
]
AUDIENCES = ["older people living alone", "new parents", "young people aged 16 to 25", "unpaid carers",
             "armed forces veterans", "refugees and people seeking asylum", "people with long-term "
             "conditions", "men over 50", "women only", "people in recovery", "adults with learning "
             "disabilities", "families on low incomes", "people recently bereaved", "people with COPD",
             "LGBTQ+ adults", "people out of work", "people with dementia and their carers",
             "disabled adults", "anyone who feels lonely", "people speaking Polish or Urdu"]
PLACES = ["in the church hall on Brackley Road", "at Fenwick Green community centre",
          "in Castlemere central library", "at the leisure centre", "in Ravensgate park",
          "at the Netherfold mosque", "at the health centre", "online by video call",
          "at the allotments behind the school", "in the old mill", "at the family hub",
          "at the football ground", "in your own home", "at the town hall", "at the food bank warehouse"]
DELIVERY = ["Just drop in, no referral needed.", "Referral from your GP or link worker.",
            "One-to-one appointments.", "Small weekly groups.", "By phone or video call.",
            "Home visits available."]
ORGANISATIONS = ["Age Well Castlemere", "Castlemere Citizens Advice", "Mill Town Singers CIC",
                 "Ravensgate Shed Trust", "Castlemere Food Bank", "Fenwick Green Together",
                 "Castlemere Carers Centre", "Mind in Castlemere", "Netherfold Families First",
                 "Castlemere Council", "St Anne's Church", "Castlemere Community Trust",
                 "Brackley Sports Foundation", "Hope Recovery CIC", "Castlemere Refugee Welcome"]
COSTS = ["Free.", "GBP 2 a session.", "Pay what you can.", "Free for people on benefits."]
SCHEDULES = ["Mondays 10:00-12:00", "Tuesdays and Thursdays 10:00-15:00", "Wednesday afternoons",
             "Fridays 18:00-20:00", "Saturday mornings", "Weekdays 9 to 5"]
FRAMES = [
    "{org} runs {act} for {aud} {place}: {benefit}. {delivery} {cost} {schedule}.",
    "{Act} {place}, for {aud}. {Benefit}. Run by {org}. {delivery} {cost}",
    "For {aud}: {act} with {org}. {Benefit}. {schedule}, {place}. {cost}",
    "{org} offers {aud} {act} {place}. {delivery} {Benefit}.",
]


def asset_texts(count: int, rng: np.random.Generator) -> list[str]:
    """count distinct template descriptions, drawn at random from the full product."""
    grid = list(itertools.product(range(len(ACTIVITIES)), AUDIENCES, PLACES, DELIVERY, ORGANISATIONS))
    texts = []
    for row in rng.choice(len(grid), count, replace=False):
        act_i, aud, place, delivery, org = grid[row]
        act, benefit = ACTIVITIES[act_i]
        frame = FRAMES[int(rng.integers(len(FRAMES)))]
        texts.append(frame.format(org=org, act=act, Act=act[0].upper() + act[1:], aud=aud, place=place,
                                  benefit=benefit, Benefit=benefit[0].upper() + benefit[1:],
                                  delivery=delivery, cost=rng.choice(COSTS),
                                  schedule=rng.choice(SCHEDULES)))
    return texts


def directory(bases: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """size vectors, each a convex mixture of 2-3 base embeddings plus noise, re-normalised."""
    out = np.empty((size, bases.shape[1]), dtype=np.float32)
    for start in range(0, size, 50_000):
        n = min(50_000, size - start)
        weights = rng.dirichlet(np.ones(3), n).astype(np.float32)
        weights[rng.random(n) < 0.5, 2] = 0.0
        mixed = np.einsum("nk,nkd->nd", weights, bases[rng.integers(len(bases), size=(n, 3))])
        mixed += rng.normal(0.0, NOISE, mixed.shape).astype(np.float32)
        out[start:start + n] = mixed / np.linalg.norm(mixed, axis=1, keepdims=True)
    return out


def notes(count: int, rng: np.random.Generator) -> list[str]:
    texts = [json.loads(line)["text"] for line in DEV.read_text(encoding="utf-8").splitlines() if line]
    return [texts[i] for i in rng.permutation(len(texts))[:count]]


def timed(fn: Callable[[int], object], items: Iterable[int]) -> np.ndarray:
    """Milliseconds per call, stopping after BUDGET_S."""
    spent, started = [], time.perf_counter()
    for item in items:
        t0 = time.perf_counter()
        fn(item)
        spent.append((time.perf_counter() - t0) * 1000)
        if time.perf_counter() - started > BUDGET_S:
            break
    return np.asarray(spent)


def pct(ms: np.ndarray) -> str:
    return f"{np.percentile(ms, 50):6.2f}/{np.percentile(ms, 95):6.2f}"


def recall(found: np.ndarray, truth: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(t)) / len(t) for f, t in zip(found, truth)]))


def search_ms(index: AssetIndex, queries: np.ndarray, k: int, threads: int) -> np.ndarray:
    index.threads = threads
    index.search(queries[0], k)  # warm up
    return timed(lambda i: index.search(queries[i], k), range(min(200, len(queries))))


def mutation_ms(index: AssetIndex, vectors: np.ndarray, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """p50/p95 of adding, updating and removing one asset at a time, ~100 of each."""
    size, fresh = len(vectors), rng.choice(len(vectors), 100, replace=False)
    replacements = directory(vectors[fresh], 100, rng)
    return {"add": timed(lambda i: index.upsert([size + i], vectors[fresh[i]]), range(100)),
            "update": timed(lambda i: index.upsert([int(fresh[i])], replacements[i]), range(100)),
            "remove": timed(lambda i: index.remove([size + i]), range(100))}


def measure(kind: str, vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray,
            rng: np.random.Generator) -> tuple[dict[str, object], AssetIndex]:
    started = time.perf_counter()
    index = AssetIndex.build(np.arange(len(vectors)), vectors, dimension=vectors.shape[1], embedder="bench",
                             kind=kind, exact_limit=EXACT_LIMIT if kind != "flat" else 10**9)
    row: dict[str, object] = {"kind": index.params.describe(), "build": time.perf_counter() - started,
                              "mb": index.nbytes / 2**20}
    for k, threads in [(10, 1), (200, 1), (200, 2)]:
        row[f"k{k}t{threads}"] = search_ms(index, queries, k, threads)
    index.threads = 1
    found = index.search_batch(queries, 200)[1]
    row["r10"], row["r200"] = recall(found[:, :10], truth[:, :10]), recall(found, truth)
    row |= mutation_ms(index, vectors, rng)
    return row, index


def sweep(index: AssetIndex, queries: np.ndarray, truth: np.ndarray) -> list[str]:
    """recall@10 and p95 ms (k=200) by nprobe, to check the nprobe rule."""
    lines, chosen = [], index.params.nprobe
    for nprobe in [p for p in (8, 16, 32, 64, 128, 256, 512) if p <= index.params.nlist]:
        index.set_nprobe(nprobe)
        r10 = recall(index.search_batch(queries, 10)[1], truth[:, :10])
        p95 = np.percentile(search_ms(index, queries[:100], 200, 1), 95)
        lines.append(f"    nprobe={nprobe:<4d} recall@10={r10:.3f}  p95(k=200)={p95:6.2f} ms")
    index.set_nprobe(chosen)
    return lines


def verdicts(size: int, row: dict[str, object]) -> str:
    limit = TARGETS["p95_small_ms"] if size <= 100_000 else TARGETS["p95_large_ms"]
    checks = {f"p95<={limit:g}ms": np.percentile(row["k200t1"], 95) <= limit,
              "r@10>=0.95": row["r10"] >= TARGETS["recall10"],
              "add/remove<50ms": max(np.percentile(row[o], 95) for o in ("add", "remove", "update"))
              < TARGETS["mutation_ms"]}
    return "  ".join(f"{name}:{'PASS' if ok else 'FAIL'}" for name, ok in checks.items())


def run(sizes: list[int], count: int, kinds: list[str], bases: int, emit: Callable[[str], None]) -> None:
    rng = np.random.default_rng(0)
    embedder = Embedder()
    started = time.perf_counter()
    base = embedder.encode(asset_texts(bases, rng))
    texts = notes(count, rng)
    queries = embedder.encode(texts)
    emit(f"embedded {len(base)} template assets + {len(queries)} dev notes in "
         f"{time.perf_counter() - started:.0f} s; one query embeds in "
         f"{pct(timed(lambda i: embedder.encode([texts[i]]), range(50)))} ms p50/p95 (not counted below)")
    head = (f"{'size':>8} {'kind':<29} {'build s':>7} {'MB':>7} {'k=10 p50/p95':>13} "
            f"{'k=200 p50/p95':>13} {'2thr k=200':>13} {'r@10':>5} {'r@200':>5} "
            f"{'add p50/p95':>13} {'remove':>13} {'update':>13}")
    emit(head + "\n" + "-" * len(head))
    for size in sizes:
        vectors = directory(base, size, rng)
        exact = AssetIndex.build(np.arange(size), vectors, dimension=vectors.shape[1], embedder="bench",
                                 kind="flat")
        truth = exact.search_batch(queries, 200)[1]
        del exact
        auto = "flat" if size <= EXACT_LIMIT else "ivf"
        for kind in kinds:
            row, index = measure(kind, vectors, queries, truth, rng)
            emit(f"{size:>8} {row['kind'] + ('*' if kind == auto else ''):<29} {row['build']:7.1f} "
                 f"{row['mb']:7.0f} {pct(row['k10t1'])} {pct(row['k200t1'])} {pct(row['k200t2'])} "
                 f"{row['r10']:5.3f} {row['r200']:5.3f} {pct(row['add'])} {pct(row['remove'])} "
                 f"{pct(row['update'])}")
            emit(f"{'':>8} targets: {verdicts(size, row)}")
            if kind != "flat":
                emit("\n".join(sweep(index, queries, truth)))
            del index


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    args.add_argument("--queries", type=int, default=500)
    args.add_argument("--kinds", nargs="+", default=["flat", "ivf"], choices=["flat", "ivf", "ivf_sq8"])
    args.add_argument("--bases", type=int, default=3000, help="template asset descriptions to embed")
    args.add_argument("--out", type=Path, help="also write the output to this file")
    opts = args.parse_args()
    lines: list[str] = []

    def emit(text: str) -> None:
        print(text, flush=True)
        lines.append(text)

    emit(__doc__.split("Method. ")[1].strip())
    emit(f"\nmachine: {os.cpu_count()} cores; ms are p50/p95 over <=200 single queries (search, one OpenMP "
         f"thread unless '2thr') or ~100 single-asset ops; '*' = the kind the index picks at that size "
         f"(EXACT_LIMIT={EXACT_LIMIT}); MB = serialised index; recall vs exact flat search.")
    run(opts.sizes, opts.queries, opts.kinds, opts.bases, emit)
    if opts.out:
        opts.out.parent.mkdir(parents=True, exist_ok=True)
        opts.out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
