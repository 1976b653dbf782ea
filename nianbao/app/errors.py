"""User errors and exit statuses: one catalogue, so every command means the same by a number.

A user error (a bad argument, a site file that does not parse, a database that cannot be
reached) is one line naming the problem and the fix, exit status 2, never a traceback
(``nianbao --debug`` shows it).
"""
from __future__ import annotations

#: Exit statuses of every nianbao command.
EXIT = {
    0: "success",
    1: "the work was done and found something: open errors in reports (check), a site that could not be "
       "crawled (crawl), a file read only in part (parse)",
    2: "a user error (bad argument, configuration or database) or, for parse/import, a file that is not a report",
    3: "some documents could not be read or stored (each is recorded with its reason; the others were)",
    4: "an internal error in nianbao (a bug: run with --debug and report the traceback)",
}
OK, FOUND, USER_ERROR, DOCUMENTS_FAILED, INTERNAL = 0, 1, 2, 3, 4


class UserError(Exception):
    """Something the user can fix; shown as one line."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint  # the option or file concerned


def explain_exception(exc: BaseException, db_url: str | None = None) -> str | None:
    """One line for an exception a user can fix (database URL, driver, server, files), else None."""
    from sqlalchemy import exc as sa_exc

    name = type(exc).__name__
    if isinstance(exc, UserError):
        return (f"{exc.hint}: " if exc.hint else "") + exc.message
    if isinstance(exc, sa_exc.ArgumentError) or name == "NoSuchModuleError":
        return f"not a database URL nianbao can use: {db_url or ''} ({exc}); e.g. sqlite:///data/nianbao.sqlite " \
               "or postgresql+psycopg://user@host/db"
    if isinstance(exc, ModuleNotFoundError):
        return f"a Python package is missing: {exc.name} (pip install it; for PostgreSQL: pip install 'psycopg[binary]')"
    if isinstance(exc, sa_exc.OperationalError):
        msg = str(exc.orig if getattr(exc, "orig", None) is not None else exc).strip().splitlines()[0]
        return f"the database {_redact(db_url)} cannot be used: {msg}"
    if isinstance(exc, sa_exc.DBAPIError):
        msg = str(exc.orig if getattr(exc, "orig", None) is not None else exc).strip().splitlines()[0]
        return f"the database refused: {msg}"
    if isinstance(exc, PermissionError):
        return f"permission denied: {exc.filename or exc}"
    if isinstance(exc, (FileNotFoundError, NotADirectoryError, IsADirectoryError)):
        return f"{exc.strerror}: {exc.filename}"
    return None


def _redact(url: str | None) -> str:
    """A database URL without its password."""
    if not url:
        return ""
    try:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001
        return url
