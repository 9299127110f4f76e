"""gunicorn settings for talash: ``gunicorn -c gunicorn.conf.py wsgi:app``.

Values come from the ``TALASH_*`` settings declared in ``web/config.py`` (see the README's
configuration table). Why these defaults:

- A search is CPU-bound Python (9-11 ms of server CPU per ``/search`` request on a
  100,000-document index, half of it snippets and ``matched``), so processes, not threads,
  give parallelism. ``gthread`` keeps keep-alive connections open (it beat ``sync`` at the
  same worker count in every run), but a connection stays with the worker that accepted it,
  and one worker may accept most of a client's connections: with one worker per core, wrk's 8
  connections sometimes all went to one and left a core idle (rounds of ~100 req/s among
  ~200 at 100,000 documents). Two workers per core even that out: 4 × 2 gave 172-200 req/s
  in six of six rounds, 2 × 2 ~100 in three of six (README, "Operations"); 8 × 1 was no
  better than 4 × 1 and warms up twice the processes.
  One thread each: threads of one process take turns on the GIL, and a second one cost CPU
  and tail latency. In four pairs of interleaved rounds at 100,000 documents 4 × 1 spent
  9.0-10.0 ms of server CPU a request against 10.2-11.2 ms for 4 × 2, with a shorter p99
  each time (138-174 ms against 164-360; bench/results/http-2026-11-29-session4.md; in later
  runs of three rounds each the two could not be told apart, 10.5 ms either way). With
  four threads it was 14-18 ms against 11.6-13 (an earlier session). Idle keep-alive
  connections wait in the worker's poller, not in a thread.
- No ``preload_app``: each worker imports the app itself, so ``kill -HUP <master>`` reloads new
  code gracefully (new workers start, old ones finish their requests and exit). A reindex needs
  no reload at all: each worker notices the new index generation on its next request.
- ``max_requests`` with jitter recycles workers now and then, bounding any slow memory growth
  (the caches are bounded). Not often: a new worker warms up again (about 8 s of CPU at
  100,000 documents, ~800 searches' worth): recycling every 5,000 requests added ~10% to
  the CPU of serving.
"""

import os

from web.config import load

_settings = load()

bind = _settings["BIND"] or f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = _settings["WORKERS"]
worker_class = "gthread"
threads = _settings["THREADS"]
timeout = _settings["TIMEOUT"]
graceful_timeout = 20
keepalive = 5
max_requests = 50000
max_requests_jitter = 5000
backlog = 256
# Room for the longest query talash takes (1,000 characters, about 6 KB percent-encoded in
# Urdu); a longer request line gets gunicorn's own plain 400 before the app sees it.
limit_request_line = 8190

# Headers a reverse proxy may set are trusted from the proxy on this host only; set
# FORWARDED_ALLOW_IPS (gunicorn reads it) to the proxy's address when it runs elsewhere.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Access log: one line per request. %(a)s user agent is left out on purpose (noise);
# the client address is the proxy's X-Forwarded-For when there is one, else the peer.
accesslog = _settings["ACCESS_LOG"]
errorlog = _settings["ERROR_LOG"]
loglevel = _settings["LOG_LEVEL"]
access_log_format = ('%(t)s %({x-forwarded-for}i)s %(h)s "%(r)s" %(s)s %(B)sB '
                     '%(M)sms %(p)s')


def on_starting(server):
    """Refuse to start, with one line saying what to change, when no request could be
    answered: a wrong index directory or an index of another analyzer version (README,
    Operations). Runs before any worker, so nothing crash-loops; in a child process, so that
    the master never imports the engine (``kill -HUP`` must start workers with new code)."""
    import subprocess
    import sys

    check = ("import sys; from web import startup_problem; "
             "print(startup_problem(sys.argv[1], sys.argv[2]) or '', end='')")
    done = subprocess.run([sys.executable, "-c", check, os.path.abspath(_settings["INDEX_DIR"]),
                           _settings["ALIASES"]], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"talash: cannot start: the startup check failed: {done.stderr}")
    if done.stdout:
        raise SystemExit(f"talash: cannot start: {done.stdout}")


# gthread's ``timeout`` cannot stop a request stuck in a thread: web/watchdog.py does.
def post_worker_init(worker):
    from web import warming
    from web.watchdog import Watchdog

    worker.talash_watchdog = Watchdog(worker, timeout).start()
    # Read the index's tables (term sets, spelling, segment arrays, stored texts) in the
    # background as the worker starts, so the first requests need not (a start-up hook that
    # took longer than ``timeout`` would get the worker killed). ``/healthz`` says
    # ``"warm": true`` once done (web/warming.py).
    warming.start(worker.wsgi)


def pre_request(worker, req):
    worker.talash_watchdog.begin(req.method, req.uri)


def post_request(worker, req, environ, resp):
    worker.talash_watchdog.end()
