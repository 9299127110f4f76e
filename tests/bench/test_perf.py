"""The speed benchmark's parts: corpus recombination, query drawing, phrase search per engine,
the worker protocol end to end, percentiles and the report, and HTTP load (when wrk is here).
Nothing here asserts a time."""

import json
import shutil
from argparse import Namespace
from datetime import UTC, datetime

import pytest

from bench import corpus, datasets, http_load, peers, perf, perf_report

# Written for these tests (not from the shared data).
DOCS = [
    {"id": "a1", "title": "بارش", "category": "weather", "site": "example.org", "lang": "ur",
     "date": "", "body": "لاہور میں آج تیز بارش ہوئی۔ شہر کی سڑکوں پر پانی کھڑا ہو گیا۔ "
                         "محکمہ موسمیات نے کل بھی بارش کی پیش گوئی کی ہے۔"},
    {"id": "a2", "title": "کرکٹ", "category": "sports", "site": "example.org", "lang": "ur",
     "date": "", "body": "پاکستان نے کرکٹ میچ جیت لیا۔ کپتان نے ٹیم کی تعریف کی۔ "
                         "The captain praised the bowlers after the match."},
    {"id": "a3", "title": "بجلی", "category": "business", "site": "example.org", "lang": "ur",
     "date": "", "body": "کراچی میں بجلی کی قیمت بڑھ گئی۔ شہریوں نے فیصلے پر احتجاج کیا۔ "
                         "Electricity prices rose again in Karachi."},
]


def write_jsonl(path, docs):
    path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs), "utf-8")
    return path


def test_sentences_keep_their_end_marks():
    assert corpus.sentences("پہلا جملہ یہ ہے۔ دوسرا جملہ یہ ہے؟ ok") == [
        "پہلا جملہ یہ ہے۔", "دوسرا جملہ یہ ہے؟"]


def test_words_strip_punctuation_but_not_joiners():
    assert corpus.words("«لاہور»، (کراچی) — end. 2024 می\u200cں") == [
        "لاہور", "کراچی", "end", "می\u200cں"]


def test_synthetic_is_seeded_and_a_prefix_of_a_larger_corpus():
    small = list(corpus.synthetic(DOCS, 5, seed=3))
    large = list(corpus.synthetic(DOCS, 9, seed=3))
    assert small == large[:5]
    assert small != list(corpus.synthetic(DOCS, 5, seed=4))
    assert [d["id"] for d in small] == [f"syn-{i:06d}" for i in range(5)]
    real = {s for d in DOCS for s in corpus.sentences(d["body"])}
    for doc in large:
        assert doc["title"] in {d["title"] for d in DOCS}
        body = doc["body"]
        for sentence in sorted(real, key=len, reverse=True):  # every piece is a real sentence
            body = body.replace(sentence, "")
        assert body.strip() == ""


def test_synthetic_needs_sentences():
    with pytest.raises(ValueError, match="no sentences"):
        list(corpus.synthetic([{"id": "x", "body": "ایک"}], 1, seed=1))


def test_query_sampler_kinds():
    sampler = corpus.QuerySampler(DOCS, seed=11)
    queries = sampler.queries(per_kind=4)
    assert queries == corpus.QuerySampler(DOCS, seed=11).queries(per_kind=4)
    texts = {w for d in DOCS for w in corpus.words(d["body"])}
    for n in (1, 2, 3):
        for q in queries[f"word{n}"]:
            assert len(q.split()) == n
            assert all(w in texts and w not in sampler.stop for w in q.split())
    assert queries["phrase"]
    bodies = [" ".join(corpus.words(d["body"])) for d in DOCS]
    for q in queries["phrase"]:
        assert any(q in b for b in bodies)  # adjacent words of one document
        assert any(w in sampler.stop for w in q.split())
        assert not all(w in sampler.stop for w in q.split())
    assert all(q.replace(" ", "").isascii() for q in queries["roman"])


@pytest.fixture(scope="module", params=[*peers.PEERS, "talash"])
def built(request, tmp_path_factory):
    eng = peers.make(request.param)
    eng.build(DOCS, tmp_path_factory.mktemp(request.param))
    yield eng
    eng.close()


def test_phrase_search_matches_adjacent_words_only(built):
    assert perf.phrase_search(built, "میں بجلی", 10) == ["a3"]
    if built.name != "talash":  # talash falls back to looser matching when a phrase has none
        assert perf.phrase_search(built, "بجلی میں", 10) == []
    assert perf.run_query(built, "phrase", "کرکٹ میچ") == ["a2"]
    assert perf.run_query(built, "word1", "کرکٹ") == ["a2"]


def test_workers_build_and_answer_rounds(tmp_path):
    path = write_jsonl(tmp_path / "docs.jsonl", DOCS)
    args = Namespace(per_kind=3, seed=5, engines=["sqlite-fts5", "talash"], repeat=2,
                     no_http=True, work=tmp_path / "work")
    result = perf.measure_corpus("tiny", path, args)
    assert {e: b["docs"] for e, b in result["builds"].items()} == {"sqlite-fts5": 3, "talash": 3}
    assert all(b["size_bytes"] > 0 and b["peak_rss_mb"] > 0 for b in result["builds"].values())
    for rounds in result["rounds"].values():
        assert len(rounds) == 2
        for rnd in rounds:
            assert {k: len(v) for k, v in rnd["latencies_ms"].items()} == {
                k: n for k, n in result["queries"].items() if n}
    env = {**perf_report.environment(), "load_after": (0.0, 0.0, 0.0)}
    text = perf_report.render([result], env, Namespace(seed=5, per_kind=3, repeat=2),
                              datetime(2024, 1, 1, tzinfo=UTC))
    assert "## tiny (3 documents)" in text
    assert "| sqlite-fts5 | " in text and "| talash | " in text
    assert "### talash ÷ peer" in text
    assert "لاہور" not in text and "بجلی" not in text  # no corpus or query text


def test_worker_reports_errors(tmp_path):
    worker = perf.Worker("sqlite-fts5")
    try:
        with pytest.raises(RuntimeError, match="sqlite-fts5 worker failed"):
            worker.call(op="build", corpus=str(tmp_path / "missing.jsonl"),
                        workdir=str(tmp_path))
    finally:
        worker.close()


@pytest.mark.parametrize(("p", "expected"), [(0, 1.0), (50, 2.5), (100, 4.0), (95, 3.85)],
                         ids=["min", "median", "max", "p95"])
def test_percentile_interpolates(p, expected):
    assert perf_report.percentile([4.0, 1.0, 3.0, 2.0], p) == pytest.approx(expected)


def test_search_paths_quote_phrases_and_encode():
    paths = http_load.search_paths({"word1": ["بارش"], "phrase": ["میں بارش"]}, seed=1)
    assert sorted(paths) == [
        "/search?q=%22%D9%85%DB%8C%DA%BA+%D8%A8%D8%A7%D8%B1%D8%B4%22&per_page=10",
        "/search?q=%D8%A8%D8%A7%D8%B1%D8%B4&per_page=10",
    ]
    assert '"/search?q=%D8%A8%D8%A7%D8%B1%D8%B4&per_page=10"' in http_load.lua_script(paths)


@pytest.mark.skipif(shutil.which("wrk") is None,
                    reason="wrk not installed (`make bench` installs it)")
def test_http_load_against_gunicorn(tmp_path):
    from search.indexing import build_index

    build_index(tmp_path / "index", DOCS)
    qs = {"kinds": {"word1": ["بارش", "کرکٹ"], "phrase": ["میں بجلی"]}}
    args = Namespace(seed=1, repeat=1, http_seconds=1, connections=2,
                     http_work=tmp_path / "http")
    result = http_load.measure(tmp_path / "index", qs, args, log=lambda msg: None)
    assert result["config"]["worker_class"]
    for endpoint in ("search", "healthz"):
        (run,) = result[endpoint]
        assert run["requests"] > 0
        assert run["errors"] == 0
        assert run["p50_ms"] <= run["p99_ms"] <= run["max_ms"]
    # measured once every worker said it was warm; the workers' CPU time was read
    assert result["search"][0]["warm_seconds"] >= 0
    assert result["search"][0]["cpu_ms_per_request"] > 0
    # which workers answered the round, from the access log once it is settled: every
    # request wrk counted is logged; those in flight when wrk stops are answered (and
    # logged) but not counted by wrk
    (search,) = result["search"]
    assert search["requests"] <= sum(search["per_worker"]) <= search["requests"] + args.connections
    assert (tmp_path / "http" / "search.lua").exists()
    assert "Server CPU" in "\n".join(perf_report.http_section(result))


def test_a_server_that_cannot_start_is_reported_with_the_end_of_its_log(tmp_path, monkeypatch):
    # A setting gunicorn.conf.py refuses: the server exits before it answers, and the
    # error carries what it said (a test's log is gone once the test ends).
    monkeypatch.setenv("TALASH_WORKERS", "many")
    server = http_load.Gunicorn(tmp_path, tmp_path / "gunicorn.log")
    with pytest.raises(RuntimeError) as failure:
        server.__enter__()
    assert "gunicorn exited" in str(failure.value)
    assert "TALASH_WORKERS='many' is not a valid int" in str(failure.value)
    assert server.log.closed


def test_worker_shares_counts_search_requests_by_worker_after_an_offset(tmp_path):
    log = tmp_path / "gunicorn.log"
    before = '[t] - 127.0.0.1 "GET /search?q=a&per_page=10 HTTP/1.1" 200 10B 5ms <11>\n'
    log.write_text(before + "".join(
        f'[t] - 127.0.0.1 "GET {path} HTTP/1.1" 200 10B 5ms <{pid}>\n'
        for path, pid in [("/search?q=b&per_page=10", 12), ("/healthz", 12),
                          ("/search?q=c", 13), ("/search?q=d", 12)])
        + "[2026-11-30 01:00:40 +0000] [12] [INFO] Worker exiting (pid: 12)\n")
    assert http_load.worker_shares(log, len(before.encode())) == [2, 1]
    assert http_load.worker_shares(log, 0) == [2, 1, 1]


@pytest.mark.parametrize(("filename", "func", "expected"), [
    ("/x/.venv/lib/site-packages/whoosh/matching/mcore.py", "score", "whoosh.matching"),
    ("/x/.venv/lib/site-packages/whoosh/index.py", "open_dir", "whoosh.index"),
    ("/repo/search/analysis/normalize.py", "normalize", "talash search.analysis"),
    ("/repo/search/querying.py", "snippet", "talash search.querying"),
    ("~", "<method 'following' of 'icu.BreakIterator' objects>", "ICU (C)"),
    ("~", "<method 'translate' of 'str' objects>", "builtins (C)"),
    ("/usr/lib/python3.11/json/decoder.py", "decode", "stdlib/other: decoder"),
], ids=["whoosh-subpackage", "whoosh-module", "analysis", "querying", "icu", "builtin", "stdlib"])
def test_profile_areas(filename, func, expected):
    from bench import profile

    assert profile.area(filename, func) == expected


def test_profile_query_prints_where_time_goes(tmp_path, capsys):
    try:
        corpus.news_path()
    except datasets.DataMissing as exc:
        pytest.skip(str(exc))
    from search.indexing import build_index

    build_index(tmp_path / "index", DOCS)
    assert perf.main(["--profile", "query", "--index", str(tmp_path / "index"), "--docs", "20",
                      "--per-kind", "2", "--profiler", "cprofile"]) == 0
    out = capsys.readouterr().out
    assert "unprofiled latency" in out
    assert "self time by area" in out
    assert "talash search.querying" in out
