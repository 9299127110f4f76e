"""Reindexes killed with SIGKILL at random moments, while a reader keeps asking the index.

Each trial starts ``talash reindex`` (a full rebuild or an ``--update --prune``) that would
take the index from one known corpus to the other, kills it after a seeded random delay, and
checks what a reader saw meanwhile and what is left on disk: the live index always answered,
every answer came from one complete generation (all of the old corpus or all of the new, never
a mix), the live generation is whole (its files match their digests), and a plain rerun, with
no manual cleanup, brings the index to the new corpus and leaves no leftovers. ``tests/
test_faults.py`` runs a few trials; ``bench/soak.py`` runs many, with the reader going through
real gunicorn.
"""

import json
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from search.generations import CURRENT, META, TRASH, generations, live_generation
from search.indexing import build_index

ROOT = Path(__file__).resolve().parent.parent
WORD = "خبر"  # in every document of both corpora, so one query sees a whole generation
VOCABULARY = ("شہر", "بارش", "سڑک", "بازار", "اسکول", "ہسپتال", "پانی", "بجلی", "کسان", "گندم",
              "ریل", "بس", "دریا", "پل", "کھیل", "میدان", "کتاب", "میلہ", "موسم", "سردی")
Ask = Callable[[], tuple[int, list[str]]]  # → (total, ids of the first page)


def corpus(prefix: str, count: int, seed: int, words: int = 60) -> list[dict]:
    """``count`` made-up Urdu documents with ids ``<prefix>0000…``, each holding WORD."""
    rng = random.Random(seed)
    return [{"id": f"{prefix}{i:04}", "title": f"{WORD} {rng.choice(VOCABULARY)} {i}",
             "body": " ".join([WORD, *rng.choices(VOCABULARY, k=words)]) + "۔"}
            for i in range(count)]


class Reader(threading.Thread):
    """Asks the index over and over until stopped; records failures and every state seen."""

    def __init__(self, ask: Ask):
        super().__init__(daemon=True)
        self.ask, self.halt = ask, threading.Event()
        self.states: list[tuple[int, frozenset]] = []
        self.failures: list[str] = []

    def run(self):
        while not self.halt.is_set():
            try:
                total, ids = self.ask()
                self.states.append((total, frozenset(i[0] for i in ids)))
            except Exception as exc:  # any failure is what the trial looks for
                self.failures.append(repr(exc)[:200])
            time.sleep(0.01)

    def stop(self):
        self.halt.set()
        self.join(timeout=60)


# Where a trial aims its kill: a moment the runner can see from outside, and a seeded random
# delay after it, drawn up to that phase's length in an uninterrupted run.
ANCHORS = ("start", "new generation", "sealed", "switched")


@dataclass
class Trial:
    number: int
    mode: str
    anchor: str
    delay: float  # seconds after the anchor
    outcome: str = ""
    answers: int = 0
    problems: list[str] = field(default_factory=list)


def reindex_command(source: Path, index: Path, mode: str) -> list[str]:
    extra = ["--update", "--prune"] if mode == "update" else []
    return [sys.executable, "-m", "search.cli", "reindex", str(source), "--index", str(index),
            *extra]


def state_of(docs: list[dict]) -> tuple[int, frozenset]:
    return len(docs), frozenset(d["id"][0] for d in docs)


def on_disk(index: Path) -> tuple[str, list[str], list[str]]:
    """(live generation name, complete generations, unfinished ones)."""
    live = (index / CURRENT).read_text("utf-8").strip()
    gens = generations(index)
    return (live, [g.name for g in gens if (g / META).exists()],
            [g.name for g in gens if not (g / META).exists()])


def outcome(index: Path, live_before: str, exited: int | None) -> str:
    """Where the kill landed, told from what it left."""
    if exited == 0:
        return "finished before the kill"
    live, complete, unfinished = on_disk(index)
    if live != live_before:
        return "killed after the switch (while cleaning up)"
    if unfinished:
        return "killed while writing the new generation"
    if any(name > live for name in complete):
        return "killed between sealing and switching"
    return "killed before writing (starting or reading)"


def run_trials(work: Path, trials: int, seed: int, reader: Callable[[Path], Ask] | None = None,
               docs: int = 80, log: Callable[[str], None] = lambda _: None,
               first: int = 0) -> list[Trial]:
    """``trials`` kill trials on an index under ``work``; ``reader(index)`` gives the function
    that asks it (default: a Searcher in this process). Two rebuilds, two updates, and so on;
    ``first`` skips to a later trial of that sequence (4: the rebuild killed once sealed)."""
    index = work / "index"
    corpora = [corpus("a", docs, seed), corpus("b", docs + 7, seed + 1)]
    sources = [work / "a.jsonl", work / "b.jsonl"]
    for path, docs_of in zip(sources, corpora, strict=True):
        path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs_of),
                        "utf-8")
    build_index(index, corpora[0])
    ask = (reader or _in_process)(index)
    # Calibrate: one uninterrupted run of each kind (A → B rebuilt, B → A updated), timing
    # when its new generation appears, when CURRENT switches and when it ends. Then each
    # kind's trials aim at each phase in turn: starting, writing, sealing and switching,
    # cleaning up; a kill lands a random delay after the moment its phase begins.
    timings = {"rebuild": _calibrate(reindex_command(sources[1], index, "rebuild"), index),
               "update": _calibrate(reindex_command(sources[0], index, "update"), index)}
    rng, results = random.Random(seed), []
    for number in range(first, first + trials):
        old, new = (0, 1) if number % 2 == 0 else (1, 0)
        mode = "rebuild" if number % 4 < 2 else "update"
        anchor = ANCHORS[(number // 4 * 2 + number % 2) % 4]
        writing, switched, done = timings[mode]
        span = {"start": writing, "new generation": switched - writing, "sealed": 0.003,
                "switched": done - switched}[anchor]
        trial = Trial(number + 1, mode, anchor, round(rng.uniform(0, max(span, 0.001)), 3))
        _one(trial, index, sources[new], state_of(corpora[old]), state_of(corpora[new]), ask)
        log(f"trial {trial.number}: {mode}, killed {trial.delay:.3f} s after {anchor}: "
            f"{trial.outcome}; {trial.answers} answers; {'; '.join(trial.problems) or 'ok'}")
        results.append(trial)
    return results


def _calibrate(command: list[str], index: Path) -> tuple[float, float, float]:
    """One uninterrupted run: seconds until its new generation appears, until CURRENT names
    it, and until the run ends."""
    before, live = set(generations(index)), (index / CURRENT).read_text("utf-8")
    started = time.monotonic()
    proc = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    writing = switched = None
    while proc.poll() is None:
        now = time.monotonic() - started
        if writing is None and set(generations(index)) - before:
            writing = now
        if switched is None and (index / CURRENT).read_text("utf-8") != live:
            switched = now
        time.sleep(0.002)
    done = time.monotonic() - started
    if proc.returncode != 0:
        raise RuntimeError(f"the calibration reindex failed (exit {proc.returncode})")
    switched = switched or done
    return (writing if writing is not None else switched / 2), switched, done


def _reached(anchor: str, index: Path, before: set, live: str) -> bool:
    if anchor == "start":
        return True
    new = set(generations(index)) - before
    if anchor == "new generation":
        return bool(new)
    if anchor == "sealed":
        return any((gen / META).exists() for gen in new)
    return (index / CURRENT).read_text("utf-8").strip() != live


def _kill_when(proc: subprocess.Popen, trial: Trial, index: Path, live: str):
    """SIGKILL ``proc`` ``trial.delay`` seconds after its anchor, unless it ends first."""
    before, aimed = set(generations(index)), None
    while proc.poll() is None:
        now = time.monotonic()
        if aimed is None and _reached(trial.anchor, index, before, live):
            aimed = now + trial.delay
        if aimed is not None and now >= aimed:
            proc.send_signal(signal.SIGKILL)
            break
        time.sleep(0.001)
    proc.wait(timeout=60)


def _one(trial: Trial, index: Path, source: Path, old, new, ask: Ask):
    problems = trial.problems
    live_before = (index / CURRENT).read_text("utf-8").strip()
    reader = Reader(ask)
    reader.start()
    proc = subprocess.Popen(reindex_command(source, index, trial.mode), cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _kill_when(proc, trial, index, live_before)
    time.sleep(0.1)  # a few more answers after the kill
    reader.stop()
    trial.outcome = outcome(index, live_before, proc.returncode)
    trial.answers = len(reader.states)
    problems += [f"a read failed: {f}" for f in reader.failures[:3]]
    mixed = {s for s in reader.states if s not in (old, new)}
    problems += [f"an answer from no complete generation: {sorted(mixed)[:3]}"] if mixed else []
    try:
        live_generation(index)  # whole: metadata present, every file matches its digest
        state = ask()
        if (state[0], frozenset(i[0] for i in state[1])) not in (old, new):
            problems.append(f"after the kill the index answers {state}")
    except Exception as exc:
        problems.append(f"after the kill the live index fails: {exc!r}"[:300])
    rerun = subprocess.run(reindex_command(source, index, trial.mode), cwd=ROOT,
                           capture_output=True, text=True, timeout=600)
    if rerun.returncode != 0:
        problems.append(f"the rerun failed: {rerun.stderr.strip()[-300:]}")
    total, ids = ask()
    if (total, frozenset(i[0] for i in ids)) != new:
        problems.append(f"after the rerun the index answers {total} documents, not the new ones")
    _, complete, unfinished = on_disk(index)
    leftovers = [p.name for p in index.iterdir() if p.name.startswith((TRASH, f".{CURRENT}."))]
    if unfinished or leftovers or len(complete) > 2:
        problems.append(f"left on disk after the rerun: {unfinished + leftovers + complete}")


def _in_process(index: Path) -> Ask:
    from search.querying import Searcher

    searcher = Searcher(index)

    def ask():
        result = searcher.search(WORD, per_page=100)
        return result["total"], [h["id"] for h in result["results"]]

    return ask
