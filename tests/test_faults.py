"""Faults: a damaged or missing index, a reindex killed at random moments, a full disk, a
request stuck on a hung file system. The live index keeps answering or says plainly what is
wrong and what to run; nothing needs cleaning by hand. (``make soak`` runs more kill trials.)
"""

import http.client
import os
import random
import shutil
import subprocess
import sys
import time
from html import unescape
from pathlib import Path

import pytest

from bench.soak_kill import run_trials
from search.documents import read_sources
from search.generations import CURRENT, META, generations, live_generation
from search.indexing import build_index, update_index
from search.querying import Searcher
from tests.conftest import ROOT, SAMPLE
from tests.web.conftest import start_gunicorn, stop
from web import create_app

FIX = "talash reindex SOURCE --index"


def current(root: Path) -> Path:
    """The live generation's folder, read without checking it (which would also remember,
    for this process, that its files were whole)."""
    return root / (root / CURRENT).read_text().strip()


def seg(gen: Path) -> Path:
    return next(gen.glob("*.seg"))


def flip_bytes(path: Path, count: int = 1):
    data = bytearray(path.read_bytes())
    rng = random.Random(5)
    for _ in range(count):
        data[rng.randrange(len(data))] ^= 0x5A
    path.write_bytes(bytes(data))


# What each damage does to a copy of the sample index, and what the 503 must say.
DAMAGE = {
    "no-current": (lambda root, gen: (root / CURRENT).unlink(), "no index at"),
    "current-not-text": (lambda root, gen: (root / CURRENT).write_bytes(b"\xff\xfe"),
                         "should name a generation folder"),
    "empty-current": (lambda root, gen: (root / CURRENT).write_text(""),
                      "should name a generation folder"),
    "current-names-elsewhere": (lambda root, gen: (root / CURRENT).write_text("../../etc\n"),
                                "should name a generation folder"),
    "generation-deleted": (lambda root, gen: shutil.rmtree(gen), "is damaged"),
    "metadata-garbage": (lambda root, gen: (gen / META).write_text("{"), "is damaged"),
    "metadata-not-an-object": (lambda root, gen: (gen / META).write_text("[1]"),
                               "holds no object"),
    "segment-truncated": (lambda root, gen: os.truncate(seg(gen), seg(gen).stat().st_size // 2),
                          "were written"),
    "segment-empty": (lambda root, gen: os.truncate(seg(gen), 0), "were written"),
    "segment-deleted": (lambda root, gen: seg(gen).unlink(), "No such file"),
    "segment-zeroed": (lambda root, gen: seg(gen).write_bytes(bytes(seg(gen).stat().st_size)),
                       "digest differs"),
    "one-byte-flipped": (lambda root, gen: flip_bytes(seg(gen)), "digest differs"),
    "toc-garbage": (lambda root, gen: next(gen.glob("*.toc")).write_bytes(b"garbage"),
                    "were written"),
    "toc-deleted": (lambda root, gen: next(gen.glob("*.toc")).unlink(), "No such file"),
}


@pytest.fixture
def damaged(sample_index, tmp_path, request):
    """A copy of the sample index, damaged as the test's parameter says."""
    root = tmp_path / "index"
    shutil.copytree(sample_index, root)
    damage, message = DAMAGE[request.param]
    damage(root, current(root))
    return root, message


@pytest.mark.parametrize("damaged", list(DAMAGE), indirect=True)
def test_damaged_index_is_a_503_with_the_fix_until_a_reindex(damaged):
    root, message = damaged
    app = create_app({"INDEX_DIR": str(root)})  # starts: a reindex can repair this
    client = app.test_client()
    health = client.get("/healthz")
    assert health.status_code == 503 and health.get_json()["status"] == "unavailable"
    said = health.get_json()["error"]["message"]
    assert message in said and f"{FIX} {root}" in said, said
    for path in ("/search?q=لاہور", "/search?q=کی&sort=date&page=2", "/?q=لاہور"):
        response = client.get(path)
        assert response.status_code == 503, path
        assert said in unescape(response.get_data(as_text=True)), path
    # The fix it names works, and the running app picks it up without a restart.
    build_index(root, read_sources([SAMPLE]))
    assert client.get("/healthz").status_code == 200
    ids = [h["id"] for h in client.get("/search?q=لاہور اسموگ").get_json()["results"]]
    assert ids == [h["id"] for h in Searcher(root).search("لاہور اسموگ")["results"]] and ids


def worker_pids(master: int) -> set[int]:
    with open(f"/proc/{master}/task/{master}/children") as handle:
        return {int(p) for p in handle.read().split()}


def get(base: str, target: str):
    host, port = base.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        connection.request("GET", target)
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8")
    finally:
        connection.close()


def start_gunicorn_anyway(index: Path, logs: Path, **env):
    """The project's gunicorn, ready once /healthz answers at all (here: 503) and every
    worker is up."""
    proc, base = start_gunicorn(index, logs, any_status=True, **env)
    while len(worker_pids(proc.pid)) < int(env.get("TALASH_WORKERS", "2")):
        time.sleep(0.1)
    return proc, base


def test_gunicorn_serves_503_over_a_damaged_index_without_a_crash_loop(sample_index, tmp_path):
    root = tmp_path / "index"
    shutil.copytree(sample_index, root)
    flip_bytes(seg(current(root)), 3)
    proc, base = start_gunicorn_anyway(root, tmp_path, TALASH_WORKERS="2")
    try:
        workers = worker_pids(proc.pid)
        for _ in range(6):
            status, body = get(base, "/healthz")
            assert status == 503 and "digest differs" in body and FIX in body
            assert get(base, "/search?q=%D9%84%D8%A7%DB%81%D9%88%D8%B1")[0] == 503
            time.sleep(0.3)
        assert worker_pids(proc.pid) == workers and proc.poll() is None  # nobody restarted
        build_index(root, read_sources([SAMPLE]))
        assert get(base, "/healthz")[0] == 200 and get(base, "/search?q=x")[0] == 200
        assert worker_pids(proc.pid) == workers
    finally:
        stop(proc)


def test_reindex_killed_at_random_moments(tmp_path):
    """Seeded SIGKILL trials (``make soak`` runs 16, all phases): here two full rebuilds,
    one killed just after its new generation was sealed, one just after CURRENT switched."""
    trials = run_trials(tmp_path, trials=2, seed=20241129, docs=150, first=4)
    assert [(t.mode, t.anchor) for t in trials] == [("rebuild", "sealed"),
                                                    ("rebuild", "switched")]
    for trial in trials:
        assert trial.problems == [], trial
        assert trial.answers > 0


def test_an_update_that_changes_nothing_still_clears_old_generations(tmp_path):
    """A run killed after its switch, before deleting old generations, leaves one too many;
    the next run clears it even when it has nothing to change (found by ``make soak``)."""
    docs = [{"id": "d1", "body": "لاہور میں بارش"}]
    for _ in range(3):
        build_index(tmp_path, docs, keep=3)
    before = [g.name for g in generations(tmp_path)]
    summary = update_index(tmp_path, docs)
    assert not summary.switched and summary.unchanged == 1
    assert [g.name for g in generations(tmp_path)] == before[1:]
    assert live_generation(tmp_path).name == before[-1]


@pytest.fixture
def small_disk(tmp_path):
    """A 16 MB tmpfs (we are root in CI); skipped with the reason where mounting is refused.
    (The sample index takes 3 MB; a rebuild needs room for two and the writer's runs.)"""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs to fill ({done.stderr.strip()}); "
                    "the full-disk test needs root")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=False)


def reindex(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "search.cli", "reindex", *map(str, args)],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)


def snapshot(root: Path) -> dict:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and p.name != ".reindex.lock"}


@pytest.mark.parametrize("update", [False, True], ids=["rebuild", "update"])
def test_full_disk_is_a_clear_error_and_leaves_the_live_index(small_disk, tmp_path, update):
    root = small_disk / "index"
    assert reindex(SAMPLE, "--index", root).returncode == 0
    before = snapshot(root)
    expected = [h["id"] for h in Searcher(root).search("لاہور")["results"]]
    free = shutil.disk_usage(small_disk).free
    filler = small_disk / "filler"
    filler.write_bytes(bytes(free - 64 * 1024))  # leave 64 KB: less than any generation
    changed = tmp_path / "changed.jsonl"
    changed.write_text(SAMPLE.read_text("utf-8").replace("لاہور", "لاہور شہر", 5), "utf-8")
    args = (changed, "--index", root, *(["--update"] if update else []))

    failed = reindex(*args)
    assert failed.returncode == 6, failed.stderr
    assert failed.stderr.strip().splitlines()[-1] == (
        f"Error: cannot write the new index generation in {root} (No space left on device); "
        "nothing was changed, the live index still serves. To fix it, free some space on the "
        f"disk of {root} (a rebuild needs about as much again as the live index) and run again.")
    assert "Traceback" not in failed.stderr
    assert snapshot(root) == before  # not a byte changed, no leftover
    assert [h["id"] for h in Searcher(root).search("لاہور")["results"]] == expected

    filler.unlink()  # space again: the same command works, with no cleanup by hand
    assert reindex(*args).returncode == 0
    assert live_generation(root).name not in {p.split("/")[0] for p in before}


def test_a_stuck_request_is_cut_by_the_timeout(sample_index, tmp_path):
    """A request stuck on a hung file system (CURRENT turned into a FIFO nobody writes) is
    cut after TALASH_TIMEOUT: its connection closes and a fresh worker serves the next one."""
    root = tmp_path / "index"
    shutil.copytree(sample_index, root)
    proc, base = start_gunicorn(root, tmp_path, TALASH_WORKERS="1", TALASH_TIMEOUT="2")
    try:
        assert get(base, "/search?q=x")[0] == 200
        worker = worker_pids(proc.pid)
        saved = (root / CURRENT).read_bytes()
        (root / CURRENT).unlink()
        os.mkfifo(root / CURRENT)
        with pytest.raises(http.client.RemoteDisconnected):
            get(base, "/search?q=y")  # the client waits 30 s at most; the cut comes first
        (root / CURRENT).unlink()
        (root / CURRENT).write_bytes(saved)
        assert get(base, "/search?q=z")[0] == 200
        assert worker_pids(proc.pid).isdisjoint(worker) and proc.poll() is None
        log = (tmp_path / "error.log").read_text()
        assert "over TALASH_TIMEOUT=2: GET /search?q=y; restarting worker" in log
    finally:
        stop(proc)
