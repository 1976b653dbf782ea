"""Kept for callers of earlier versions: the one document→report path is
:mod:`nianbao.app.extraction`, the data home :mod:`db.home`."""
from db.home import Home  # noqa: F401
from nianbao.app.extraction import import_file, parse_published, process_document, reextract  # noqa: F401
