"""Scrapy settings of the nianbao crawler. Polite by default; ``FAST`` (``--fast``) is for
benchmarks against the local sample portal only.

Politeness: robots.txt obeyed, AutoThrottle on with at least ``DOWNLOAD_DELAY`` between
requests to one site, at most ``CONCURRENT_REQUESTS_PER_DOMAIN`` requests in flight per site,
a User-Agent that names the project and a contact URL, retries of 5xx and time-outs with
exponential backoff, and never a request outside a site's ``allowed_domains`` (redirects and
final URLs included).
"""
from __future__ import annotations

import os

from config import version as _version

__version__ = _version()

BOT_NAME = "nianbao"
SPIDER_MODULES = ["crawler.spiders"]
NEWSPIDER_MODULE = "crawler.spiders"

# where site owners can reach whoever runs the crawl. The project has no public page yet: the default
# is a placeholder that resolves nowhere, and crawl.run warns when a real portal is crawled with it.
CONTACT_PLACEHOLDER = "https://nianbao.invalid/contact"
CONTACT_URL = os.environ.get("NIANBAO_CONTACT_URL", CONTACT_PLACEHOLDER)
USER_AGENT = f"nianbao/{__version__} (+{CONTACT_URL}; research crawler for government transparency annual reports)"

ROBOTSTXT_OBEY = True
# one process crawls one site: the global cap is the per-site cap. A larger one only parks requests
# in the downloader's queue, where a graceful stop (SIGTERM, Ctrl-C) waits for every one of them
CONCURRENT_REQUESTS = 2
CONCURRENT_REQUESTS_PER_DOMAIN = 2
CONCURRENT_ITEMS = 10
DOWNLOAD_DELAY = 1.0
DOWNLOAD_DELAY_JITTER = 0.5  # ±50 %
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 2.0
AUTOTHROTTLE_MAX_DELAY = 30.0
AUTOTHROTTLE_TARGET_CONCURRENCY = 1.0
DOWNLOAD_TIMEOUT = 30
DOWNLOAD_MAXSIZE = 200 * 1024 * 1024
DOWNLOAD_WARNSIZE = 50 * 1024 * 1024

RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [500, 502, 503, 504, 522, 524, 408, 429]
RETRY_BACKOFF_BASE = 2.0  # seconds before the first retry; doubles each time
RETRY_BACKOFF_MAX = 60.0

TELNETCONSOLE_ENABLED = False
LOG_LEVEL = "INFO"
COOKIES_ENABLED = True  # tldextract is pointed at its bundled suffix list (crawler.middlewares)
REDIRECT_MAX_TIMES = 10
HTTPERROR_ALLOW_ALL = False
DEPTH_LIMIT = 0  # list depth is bounded per site (max_depth), details never go deeper than one hop

DOWNLOADER_MIDDLEWARES = {
    "scrapy.downloadermiddlewares.offsite.OffsiteMiddleware": None,
    "crawler.middlewares.StrictOffsiteMiddleware": 50,
    "crawler.middlewares.ResumeReplayMiddleware": 120,
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawler.middlewares.BackoffRetryMiddleware": 550,
    "crawler.middlewares.ConditionalRequestMiddleware": 560,
    "scrapy.downloadermiddlewares.redirect.MetaRefreshMiddleware": None,
    "crawler.middlewares.LenientMetaRefreshMiddleware": 580,
    "crawler.middlewares.TruncatedBodyMiddleware": 595,  # before decompression (590) on the way back
}
SPIDER_MIDDLEWARES = {"crawler.middlewares.RecordCallbackErrorsMiddleware": 990}
# a short body reaches TruncatedBodyMiddleware (flag "dataloss"), which retries it and then records
# "truncated: got N of M bytes"; it is never stored or read as a complete response
DOWNLOAD_FAIL_ON_DATALOSS = False
ITEM_PIPELINES = {"crawler.pipelines.StorePipeline": 100}

# The frontier lives in memory (no JOBDIR): a stopped or killed run is resumed by re-walking it
# from the database (crawler.middlewares.ResumeReplayMiddleware), which never refetches or
# duplicates a document
SCHEDULER_MEMORY_QUEUE = "scrapy.squeues.FifoMemoryQueue"

# nianbao's own settings (set by crawler.run)
NIANBAO_HOME = None
NIANBAO_DB = None
NIANBAO_RUN_ID = None
NIANBAO_RESUME = False
NIANBAO_CONDITIONAL = True
NIANBAO_PROGRESS = True

# a portal on this machine (the sample portal in `nianbao demo` and the tests): no waiting between
# requests, but robots.txt, AutoThrottle, the per-site cap and retries as in production
LOCAL = {
    "DOWNLOAD_DELAY": 0,
    "DOWNLOAD_DELAY_JITTER": 0,
    "AUTOTHROTTLE_START_DELAY": 0,
    "AUTOTHROTTLE_MAX_DELAY": 0.05,
    "RETRY_BACKOFF_BASE": 0.05,
    "RETRY_BACKOFF_MAX": 0.5,
}

# benchmarks only: politeness off (still never offsite, still robots.txt)
FAST = {
    "AUTOTHROTTLE_ENABLED": False,
    "DOWNLOAD_DELAY": 0,
    "DOWNLOAD_DELAY_JITTER": 0,
    "CONCURRENT_REQUESTS": 32,
    "CONCURRENT_REQUESTS_PER_DOMAIN": 32,
    "RETRY_BACKOFF_BASE": 0.0,
    "LOG_LEVEL": "WARNING",
}
