"""Safety for the binary readers (PDF, DOCX, XLSX, XLS, DOC, WPS): what a hostile or broken
attachment may cost, and a child process that enforces it.

* **Time and memory.** ``guarded(fmt, data)`` runs the reader in a long-lived child process
  (``spawn`` start method, so it is safe to call from worker threads) with a per-document time
  limit and an address-space limit (``RLIMIT_AS``). A reader that hangs or blows up is killed and
  the caller gets ``ExtractError("timeout" | "reader_crashed" | "too_large", …)``; the next
  document gets a fresh child. Children are reused, so the start-up cost (≈0.5 s) is paid once.
  ``NIANBAO_ISOLATE=0`` (or ``configure(isolate=False)``) runs readers in-process instead — faster
  to start, but then nothing can stop a hung parser.
* **Zip bombs.** ``check_zip`` reads the central directory of a DOCX/XLSX before any parser does
  and refuses archives whose uncompressed size, member count or compression ratio is excessive.
* **XML entities (XXE, billion laughs).** ``check_xml_parts`` refuses any XML part that declares a
  DTD (no legitimate OOXML part has one); the DOCX reader also parses with entity resolution and
  network access off.

Limits are module constants, overridable by environment variables (read at call time).
"""
from __future__ import annotations

import importlib
import io
import os
import threading
import time
import zipfile
from collections import deque
from typing import Any

#: Largest attachment read at all (extract() enforces its own MAX_BYTES first).
MAX_DOCUMENT_BYTES = 50 * 1024 * 1024
#: Seconds one document may take in a reader (NIANBAO_READER_TIMEOUT).
TIMEOUT_SECONDS = 60.0
#: Address space of a reader child, in MiB (NIANBAO_READER_MEMORY_MB).
MEMORY_MB = 2048
#: PDF pages read; later pages are skipped with a problem.
MAX_PDF_PAGES = 300
#: Zip archives (DOCX/XLSX): total uncompressed bytes, members, and the compression ratio allowed
#: for a member that inflates to more than ZIP_RATIO_FLOOR bytes.
ZIP_MAX_TOTAL = 200 * 1024 * 1024
ZIP_MAX_MEMBERS = 5000
ZIP_MAX_RATIO = 100
ZIP_RATIO_FLOOR = 2 * 1024 * 1024
#: Spreadsheet cells read per sheet (a sheet declaring A1:XFD1048576 is not read cell by cell).
MAX_SHEET_CELLS = 200_000

_READERS = {
    "pdf": "extract.readers.pdf:read_pdf_unguarded",
    "docx": "extract.readers.docx:read_docx_unguarded",
    "xlsx": "extract.readers.xlsx:read_xlsx_unguarded",
    "xls": "extract.readers.xlsx:read_xls_unguarded",
    "doc": "extract.readers.ole:read_doc_unguarded",
    "wps": "extract.readers.ole:read_wps_unguarded",
    "zip": "extract.readers.docx:read_zip_unguarded",
}

_settings: dict[str, Any] = {}


def configure(*, isolate: bool | None = None, timeout: float | None = None, memory_mb: int | None = None) -> None:
    """Override the environment for this process (tests, benchmarks)."""
    for k, v in (("isolate", isolate), ("timeout", timeout), ("memory_mb", memory_mb)):
        if v is not None:
            _settings[k] = v


def _isolate() -> bool:
    if "isolate" in _settings:
        return bool(_settings["isolate"])
    return os.environ.get("NIANBAO_ISOLATE", "1").strip().lower() not in ("0", "false", "no", "off")


def _timeout() -> float:
    return float(_settings.get("timeout") or os.environ.get("NIANBAO_READER_TIMEOUT") or TIMEOUT_SECONDS)


def _memory_mb() -> int:
    return int(_settings.get("memory_mb") or os.environ.get("NIANBAO_READER_MEMORY_MB") or MEMORY_MB)


def _error(kind: str, message: str) -> Exception:
    from extract.errors import ExtractError

    return ExtractError(kind, message)


def _resolve(path: str):
    mod, _, name = path.partition(":")
    return getattr(importlib.import_module(mod), name)


# ------------------------------------------------------------------------------ archives / XML
def check_zip(data: bytes, what: str) -> zipfile.ZipFile:
    """Open a DOCX/XLSX archive after checking its directory for zip bombs."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError) as exc:
        raise _error("corrupt", f"the {what} is not a readable zip archive: {exc}") from exc
    if len(infos) > ZIP_MAX_MEMBERS:
        raise _error("zip_bomb", f"the {what} has {len(infos)} archive members (limit {ZIP_MAX_MEMBERS})")
    total = 0
    for info in infos:
        total += info.file_size
        if info.file_size > ZIP_RATIO_FLOOR and info.file_size > ZIP_MAX_RATIO * max(info.compress_size, 1):
            raise _error("zip_bomb", f"the {what} member {info.filename} inflates {info.compress_size} bytes "
                                     f"to {info.file_size} (ratio over {ZIP_MAX_RATIO})")
        if info.flag_bits & 0x1:
            raise _error("encrypted", f"the {what} member {info.filename} is encrypted")
    if total > ZIP_MAX_TOTAL:
        raise _error("zip_bomb", f"the {what} inflates to {total} bytes (limit {ZIP_MAX_TOTAL})")
    return zf


def read_member(zf: zipfile.ZipFile, name: str, what: str) -> bytes:
    """One archive member, read with a hard cap (the directory may lie about sizes)."""
    info = zf.getinfo(name)
    cap = min(info.file_size, ZIP_MAX_TOTAL) + 1
    try:
        with zf.open(info) as fh:
            out = fh.read(cap)
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
        raise _error("corrupt", f"the {what} member {name} cannot be read: {exc}") from exc
    if len(out) > info.file_size:
        raise _error("zip_bomb", f"the {what} member {name} inflates past its declared size")
    return out if isinstance(out, bytes) else bytes(out)


def check_xml_parts(zf: zipfile.ZipFile, what: str) -> None:
    """Refuse XML parts that declare a DTD or entities (XXE, billion laughs)."""
    for info in zf.infolist():
        if not info.filename.lower().endswith((".xml", ".rels", ".vml")):
            continue
        head = read_member(zf, info.filename, what)
        if b"<!DOCTYPE" in head or b"<!ENTITY" in head or b"<!doctype" in head:
            raise _error("unsafe_document", f"the {what} part {info.filename} declares a DTD or entities "
                                            "(XML external entity / entity expansion); not parsed")


def safe_xml_parser():
    """An lxml parser that resolves no entities, loads no DTD and touches no network."""
    import lxml.etree

    return lxml.etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                                huge_tree=False, remove_comments=True, recover=False)


# ------------------------------------------------------------------------------ child processes
def _child_main(conn, memory_mb: int) -> None:  # pragma: no cover - runs in the child
    try:
        import resource

        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError):
        pass
    from extract.errors import ExtractError

    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg is None:
            return
        path, data = msg
        try:
            result: tuple = ("ok", _resolve(path)(data))
        except ExtractError as exc:
            result = ("error", exc.kind, exc.message)
        except MemoryError:
            result = ("error", "too_large", f"the reader ran out of its {memory_mb} MiB memory limit")
        except RecursionError:
            result = ("error", "corrupt", "the document nests too deeply to read")
        except Exception as exc:  # noqa: BLE001 - any parser failure becomes a reported error
            result = ("error", "unreadable_document", f"{type(exc).__name__}: {exc}"[:500])
        try:
            conn.send(result)
        except MemoryError:
            conn.send(("error", "too_large", f"the reader ran out of its {memory_mb} MiB memory limit"))
        except Exception as exc:  # noqa: BLE001 - e.g. an unpicklable result
            conn.send(("error", "unreadable_document", f"result could not be returned: {exc}"))


class _Worker:
    def __init__(self, memory_mb: int):
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_child_main, args=(child, memory_mb), daemon=True,
                                name="nianbao-reader")
        self.proc.start()
        child.close()
        self.memory_mb = memory_mb

    def kill(self) -> None:
        try:
            self.proc.kill()
            self.proc.join(5)
        except Exception:  # noqa: BLE001
            pass
        try:
            self.conn.close()
        except Exception:  # noqa: BLE001
            pass


class _Pool:
    """Idle reader children, shared by all threads of the process."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.idle: deque[_Worker] = deque()
        self.pid = os.getpid()

    def take(self, memory_mb: int) -> _Worker:
        with self.lock:
            if self.pid != os.getpid():  # inherited across a fork: those children are not ours
                self.idle.clear()
                self.pid = os.getpid()
            while self.idle:
                w = self.idle.popleft()
                if w.proc.is_alive() and w.memory_mb == memory_mb:
                    return w
                w.kill()
        return _Worker(memory_mb)

    def give(self, w: _Worker) -> None:
        with self.lock:
            if len(self.idle) < int(os.environ.get("NIANBAO_READER_WORKERS", "4")):
                self.idle.append(w)
                return
        w.conn.send(None)
        w.proc.join(1)
        w.kill()

    def shutdown(self) -> None:
        with self.lock:
            while self.idle:
                self.idle.popleft().kill()


_pool = _Pool()


def shutdown() -> None:
    """Stop the idle reader children (they are daemons and also end with the process)."""
    _pool.shutdown()


def guarded(fmt: str, data: bytes) -> Any:
    """Run the reader of ``fmt`` on ``data`` under the time and memory limits."""
    if len(data) > MAX_DOCUMENT_BYTES:
        raise _error("too_large", f"the file is {len(data)} bytes, over the {MAX_DOCUMENT_BYTES}-byte limit")
    path = _READERS[fmt]
    if not _isolate():
        return _resolve(path)(data)
    timeout = _timeout()
    w = _pool.take(_memory_mb())
    start = time.monotonic()
    try:
        w.conn.send((path, data))
        if not w.conn.poll(timeout):
            w.kill()
            raise _error("timeout", f"the {fmt.upper()} reader took longer than {timeout:g} s and was stopped")
        result = w.conn.recv()
    except (EOFError, OSError, BrokenPipeError) as exc:
        code = w.proc.exitcode if not w.proc.is_alive() else None
        w.kill()
        if code is None:
            w.proc.join(1)
            code = w.proc.exitcode
        raise _error("reader_crashed", f"the {fmt.upper()} reader process died (exit code {code}) "
                                       f"after {time.monotonic() - start:.1f} s: {type(exc).__name__}") from exc
    except BaseException:
        w.kill()
        raise
    _pool.give(w)
    if result[0] == "ok":
        return result[1]
    raise _error(result[1], result[2])
