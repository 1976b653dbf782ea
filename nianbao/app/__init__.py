"""The application layer: what nianbao does, as plain functions with typed arguments.

The command line (``nianbao.cli*``), the scheduler, the tests and other programs call these;
nothing here imports the command line. Modules:

* :mod:`nianbao.app.extraction` — the one path from a fetched or imported document to a report
  (crawl, import and re-extraction all call it);
* :mod:`nianbao.app.harvest` — crawling sites (one subprocess per site) and extracting what they fetched;
* :mod:`nianbao.app.check` — running the monitor;
* :mod:`nianbao.app.terminal` — text from crawled pages made safe for a terminal;
* :mod:`nianbao.app.errors` — user errors and exit statuses.
"""
