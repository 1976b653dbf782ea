"""``nianbao serve``: read-only browsing of the corpus — datasette over a SQLite export, with a
plugin (:mod:`nianbao.serve.plugin`) that adds agency and region pages and serves the raw store's
copies of the original documents. Page data is assembled in :mod:`nianbao.serve.pages`."""
