"""Kept for callers of earlier versions: configuration lives in :mod:`config`, the data home in
:mod:`db.home`."""
from config import config_dir  # noqa: F401
from db.home import data_home, db_url  # noqa: F401
ROOT = __import__("pathlib").Path(__file__).resolve().parent.parent  # the checkout (tests only)
