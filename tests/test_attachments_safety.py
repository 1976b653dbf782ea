"""Bad attachments: each gives ExtractError(kind, …) or a recorded problem — no hang, no crash,
and the next document is still read."""
from __future__ import annotations

import io
import os
import random
import threading
import time
import zipfile

import pytest

from extract import ExtractError, extract, limits
from portal.render_office import render_docx, render_pdf, render_xlsx
from portal.synth import random_report


def _rep(seed: int = 1, year: int = 2023) -> dict:
    return random_report(random.Random(seed), "某某县财政局", year)


def _kind(data: bytes, filename: str) -> str:
    with pytest.raises(ExtractError) as exc:
        extract(data, filename=filename, segment=False)
    assert exc.value.message
    return exc.value.kind


# ------------------------------------------------------------------------------ helpers run in the child
def hang(data: bytes):  # a reader that never returns
    time.sleep(3600)


def die(data: bytes):  # a reader whose process dies (a segfault in a C extension looks like this)
    os._exit(7)


def hog(data: bytes):  # a reader that allocates without bound
    blocks = []
    while True:
        blocks.append(bytearray(64 * 1024 * 1024))


# ------------------------------------------------------------------------------ PDF
def test_empty_file():
    assert _kind(b"", "report.pdf") == "empty"
    assert _kind(b"   \n", "report.docx") == "empty"


def test_random_bytes_named_pdf():
    data = random.Random(3).randbytes(20000)
    assert _kind(data, "report.pdf") in ("binary", "corrupt")
    assert _kind(b"%PDF-1.7\n" + data, "report.pdf") == "corrupt"


def test_truncated_pdf_fails_cleanly_or_reads_what_is_there():
    data = render_pdf(_rep())
    for cut in (0.1, 0.5, 0.9):
        part = data[: int(len(data) * cut)]
        try:
            report = extract(part, filename="report.pdf", segment=False)
        except ExtractError as exc:
            assert exc.kind in ("corrupt", "unreadable_document")
        else:  # pdfminer may recover the objects before the cut: whatever it returns is a report
            assert report.format == "pdf"


def _encrypted_pdf(user: str, owner: str) -> bytes:
    from reportlab.lib.pdfencrypt import StandardEncryption
    from reportlab.pdfgen import canvas

    buf = io.BytesIO()
    c = canvas.Canvas(buf, encrypt=StandardEncryption(user, ownerPassword=owner, canPrint=1, canCopy=0))
    c.drawString(100, 700, "2023 annual report")
    c.save()
    return buf.getvalue()


def test_encrypted_pdf_needing_a_password():
    assert _kind(_encrypted_pdf("secret", "owner"), "report.pdf") == "encrypted"


def test_permissions_only_pdf_is_read():
    """Many agencies lock copying with an owner password only; the empty user password opens it."""
    report = extract(_encrypted_pdf("", "owner"), filename="report.pdf", segment=False)
    assert report.format == "pdf"


def test_scanned_pdf_is_ocrd_or_needs_ocr():
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    png = io.BytesIO()
    _tiny_png(png)
    buf = io.BytesIO()
    c = canvas.Canvas(buf)
    for _ in range(2):
        c.drawImage(ImageReader(io.BytesIO(png.getvalue())), 50, 50, 400, 600)
        c.showPage()
    c.save()
    report = extract(buf.getvalue(), filename="scan.pdf", segment=False)
    # with tesseract installed the pages are OCR'd (problem "ocr"), without it they need OCR
    scans = [p for p in report.problems if p.kind in ("needs_ocr", "ocr")]
    assert [p.where for p in scans] == ["page 1", "page 2"]
    assert not [cv for *_, cv in report.cells() if cv is not None and cv.value is not None]


def _tiny_png(out) -> None:
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    raw = b"".join(b"\x00" + bytes([(x * y) % 256 for x in range(32)]) for y in range(32))
    out.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 32, 32, 8, 0, 0, 0, 0))
              + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


# ------------------------------------------------------------------------------ DOCX / XLSX
def _rezip(data: bytes, replace: dict[str, bytes], extra: dict[str, bytes] | None = None,
           method=zipfile.ZIP_DEFLATED) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as z:
        for info in src.infolist():
            z.writestr(info.filename, replace.get(info.filename, src.read(info.filename)))
        for name, body in (extra or {}).items():
            z.writestr(name, body)
    return out.getvalue()


def test_zip_bomb_docx():
    bomb = b"<w:document>" + b" " * (60 * 1024 * 1024) + b"</w:document>"
    data = _rezip(render_docx(_rep()), {"word/document.xml": bomb})
    assert len(data) < 1024 * 1024
    assert _kind(data, "report.docx") == "zip_bomb"


def test_zip_bomb_xlsx():
    data = _rezip(render_xlsx(_rep()), {}, {"xl/media/padding.bin": b"\0" * (50 * 1024 * 1024)})
    assert _kind(data, "report.xlsx") == "zip_bomb"


def test_xxe_docx_is_refused_and_nothing_leaks():
    xml = (b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
           b'<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r>'
           b"<w:t>&xxe;</w:t></w:r></w:p></w:body></w:document>")
    data = _rezip(render_docx(_rep()), {"word/document.xml": xml})
    assert _kind(data, "report.docx") == "unsafe_document"


def test_billion_laughs_xlsx_is_refused():
    lol = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
           b"<sst>&lol2;</sst>")
    data = _rezip(render_xlsx(_rep()), {}, {"xl/sharedStrings2.xml": lol})
    assert _kind(data, "report.xlsx") == "unsafe_document"


def test_corrupt_docx_and_xlsx():
    data = render_docx(_rep())
    assert _kind(data[: len(data) // 2], "report.docx") == "corrupt"
    broken = _rezip(data, {"word/document.xml": b"<w:document><w:body><w:p>"})
    assert _kind(broken, "report.docx") == "corrupt"
    assert _kind(render_xlsx(_rep())[:3000], "report.xlsx") == "corrupt"


def test_zip_that_is_not_an_office_document():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("report.txt", "hello")
    assert _kind(out.getvalue(), "attachment.zip") == "unsupported_format"


def test_ole_files_that_cannot_be_read():
    from pathlib import Path

    doc = (Path(__file__).resolve().parent / "examples" / "extract" / "attachments" / "lo-11-2023.doc").read_bytes()
    assert _kind(doc[:4096], "report.doc") in ("corrupt", "unreadable_document")
    assert _kind(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2000, "report.doc") == "corrupt"
    # an encrypted Word file: the FIB's fEncrypted bit
    import olefile

    ole = olefile.OleFileIO(io.BytesIO(doc))
    fib = bytearray(ole.openstream("WordDocument").read(0x200))
    assert fib[0x0B] & 0x01 == 0
    pos = doc.find(bytes(fib[:0x20]))
    assert pos > 0
    enc = bytearray(doc)
    enc[pos + 0x0B] |= 0x01
    assert _kind(bytes(enc), "report.doc") == "encrypted"


# ------------------------------------------------------------------------------ time and memory
@pytest.fixture
def reader(monkeypatch):
    limits.configure(isolate=True)

    def use(target: str, timeout: float = 3.0, memory_mb: int | None = None):
        monkeypatch.setitem(limits._READERS, "pdf", f"tests.test_attachments_safety:{target}")
        limits.configure(timeout=timeout, memory_mb=memory_mb or limits.MEMORY_MB)

    yield use
    limits.configure(timeout=limits.TIMEOUT_SECONDS, memory_mb=limits.MEMORY_MB)


def test_a_hung_reader_is_stopped(reader):
    reader("hang", timeout=2)
    start = time.monotonic()
    assert _kind(b"%PDF-1.4 hang", "x.pdf") == "timeout"
    assert time.monotonic() - start < 15


def test_a_dying_reader_is_reported(reader):
    reader("die")
    assert _kind(b"%PDF-1.4 die", "x.pdf") == "reader_crashed"


def test_a_reader_out_of_memory_is_stopped(reader):
    reader("hog", timeout=30, memory_mb=700)
    assert _kind(b"%PDF-1.4 hog", "x.pdf") in ("too_large", "reader_crashed")


def test_next_document_is_read_after_a_failure(reader):
    reader("die")
    assert _kind(b"%PDF-1.4 die", "x.pdf") == "reader_crashed"
    limits._READERS["pdf"] = "extract.readers.pdf:read_pdf_unguarded"
    rep = _rep(4)
    assert extract(render_pdf(rep), filename="r.pdf", segment=False).year == 2023


def test_readers_work_from_worker_threads():
    limits.configure(isolate=True)
    reps = [_rep(s, 2023 if s % 2 else 2020) for s in range(4)]
    docs = [render_pdf(reps[0]), render_docx(reps[1]), render_xlsx(reps[2]), render_pdf(reps[3])]
    names = ["a.pdf", "b.docx", "c.xlsx", "d.pdf"]
    results: dict[int, object] = {}

    def work(i: int) -> None:
        try:
            results[i] = extract(docs[i], filename=names[i], segment=False)
        except Exception as exc:  # noqa: BLE001
            results[i] = exc

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    for i, rep in enumerate(reps):
        r = results[i]
        assert not isinstance(r, Exception), r
        assert r.year == rep["year"] and r.value("applications", "new_received", "total") == \
            rep["applications"]["new_received"]["total"]


def test_file_over_the_size_limit():
    with pytest.raises(ExtractError) as exc:
        limits.guarded("pdf", b"%PDF" + b"\0" * (limits.MAX_DOCUMENT_BYTES + 1))
    assert exc.value.kind == "too_large"
