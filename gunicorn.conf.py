"""gunicorn settings for talash (``gunicorn -c gunicorn.conf.py wsgi:app``)."""

import os

bind = f"127.0.0.1:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("TALASH_WORKERS", "2"))
worker_class = "gthread"
threads = int(os.environ.get("TALASH_THREADS", "4"))
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'
