"""OCR of scanned PDF pages with tesseract (Apache-2.0; Debian's ``tesseract-ocr`` and
``tesseract-ocr-chi-sim``), used only when it is installed.

A page without a text layer is rendered (pypdfium2, 300 dpi), its ruling lines are found in the
image and handed to pdfplumber as explicit table edges, the lines are erased, and tesseract reads
the words with their boxes and confidences. The words become positioned characters, so the page
goes through the same table and paragraph code as a PDF with a text layer.

Never a guess. Every table cell that holds ink and looks numeric is read twice: within the page
(chi_sim) and again, cropped and stacked with the other number cells, by a digits-only reading
(``read_number_cells``). A number is kept when the two readings agree, or when the only reading
is at least ``MIN_CONFIDENCE`` sure; otherwise the cell is "?" and its row is reported unread.
Digits of narrative words read with less confidence become "?" too, so no narrative fact is a
misread number. And every value of an OCR'd document is marked (problem kind ``ocr``, "(OCR)" in
its location) so the monitor never holds an agency to numbers a machine read from a picture.
"""
from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
import tempfile

import numpy as np

DPI = 300
MIN_CONFIDENCE = 90.0
LANG = "chi_sim"
_DIGIT = re.compile(r"[0-9０-９]")


MAX_PAGES = 10


def enabled() -> bool:
    """OCR is used when tesseract is installed, unless NIANBAO_OCR=0."""
    return os.environ.get("NIANBAO_OCR", "1") != "0" and available()


@functools.lru_cache(maxsize=1)
def available() -> bool:
    """tesseract with the simplified-Chinese model is on this machine."""
    exe = shutil.which("tesseract")
    if not exe:
        return False
    try:
        out = subprocess.run([exe, "--list-langs"], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.SubprocessError):
        return False
    return LANG in (out.stdout + out.stderr).split()


def render(data: bytes, index: int) -> np.ndarray:
    """The page as an 8-bit grayscale array at ``DPI``."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(data)
    try:
        bitmap = pdf[index].render(scale=DPI / 72, grayscale=True)
        img = bitmap.to_pil().convert("L")
        return np.asarray(img).copy()
    finally:
        pdf.close()


def _runs(dark: np.ndarray, min_len: int) -> list[tuple[int, int, int]]:
    """Runs of dark pixels along each row at least ``min_len`` long, as (row, start, end)."""
    padded = np.zeros((dark.shape[0], dark.shape[1] + 2), dtype=np.int8)
    padded[:, 1:-1] = dark
    d = np.diff(padded, axis=1)
    starts = np.argwhere(d == 1)
    ends = np.argwhere(d == -1)  # pairs up with starts: both sorted by row, then column
    keep = (ends[:, 1] - starts[:, 1]) >= min_len
    return [(int(r), int(s), int(e)) for (r, s), (_, e) in zip(starts[keep], ends[keep])]


def _merge(runs: list[tuple[int, int, int]], gap: int = 2) -> list[list[int]]:
    """Runs on neighbouring rows that overlap make one line: [first row, last row, start, end]."""
    lines: list[list[int]] = []
    open_: list[list[int]] = []  # lines that may still grow (their last row is within ``gap``)
    for r, s, e in sorted(runs):
        open_ = [ln for ln in open_ if r - ln[1] <= gap]
        for ln in open_:
            if s < ln[3] and e > ln[2]:
                ln[1], ln[2], ln[3] = r, min(ln[2], s), max(ln[3], e)
                break
        else:
            ln = [r, r, s, e]
            lines.append(ln)
            open_.append(ln)
    return lines


def ruling_lines(gray: np.ndarray) -> tuple[list[list[int]], list[list[int]]]:
    """Table borders in pixels: horizontal [row0, row1, x0, x1] and vertical [col0, col1, y0, y1].
    A vertical must end on horizontals at both ends and a horizontal must cross two verticals, so
    the strokes of characters (一, 丨) never count."""
    dark = gray < 224  # thin anti-aliased lines of a 200 dpi scan stay light grey
    px = DPI / 72
    hs = _merge(_runs(dark, int(20 * px)))  # at least 20 pt long
    hs = [h for h in hs if h[1] - h[0] <= 3 * px]  # thin: a line, not a filled block
    vs = _merge(_runs(dark.T, int(8 * px)))
    vs = [v for v in vs if v[1] - v[0] <= 3 * px]
    tol = 2 * px

    def meets(v, h, y) -> bool:
        x = (v[0] + v[1]) / 2
        return h[2] - tol <= x <= h[3] + tol and h[0] - tol <= y <= h[1] + tol

    def crosses(v, h) -> bool:
        y = (h[0] + h[1]) / 2
        return v[2] - tol <= y <= v[3] + tol and meets(v, h, y)

    vs = [v for v in vs if any(meets(v, h, v[2]) for h in hs) and any(meets(v, h, v[3]) for h in hs)]
    hs = [h for h in hs if sum(1 for v in vs if crosses(v, h)) >= 2]
    return hs, vs


def erase(gray: np.ndarray, hs: list[list[int]], vs: list[list[int]]) -> np.ndarray:
    out = gray.copy()
    for r0, r1, x0, x1 in hs:
        out[max(0, r0 - 1):r1 + 2, x0:x1] = 255
    for c0, c1, y0, y1 in vs:
        out[y0:y1, max(0, c0 - 1):c1 + 2] = 255
    return out


def words(gray: np.ndarray, timeout: float = 120, lang: str = LANG, psm: int = 11,
          config: tuple[str, ...] = ()) -> list[tuple[str, float, float, float, float, float]]:
    """tesseract's words as (text, left, top, right, bottom, confidence), in pixels."""
    from PIL import Image

    fd, path = tempfile.mkstemp(suffix=".png", prefix="nianbao-ocr-")
    os.close(fd)
    try:
        Image.fromarray(gray).save(path)
        env = dict(os.environ, OMP_THREAD_LIMIT="1")  # one core per document, like every reader
        cmd = ["tesseract", path, "stdout", "-l", lang, "--psm", str(psm), "--dpi", str(DPI)]
        for c in config:
            cmd += ["-c", c]
        proc = subprocess.run(cmd + ["tsv"], capture_output=True, timeout=timeout, env=env)
    finally:
        os.unlink(path)
    if proc.returncode != 0:
        raise RuntimeError(f"tesseract failed: {proc.stderr.decode('utf-8', 'replace')[-300:]}")
    out = []
    for line in proc.stdout.decode("utf-8", "replace").splitlines()[1:]:
        f = line.split("\t")
        if len(f) < 12 or f[0] != "5" or not f[11].strip():
            continue
        left, top, w, h = (int(x) for x in f[6:10])
        out.append((f[11].strip(), left, top, left + w, top + h, float(f[10])))
    return out


_NUMERIC = re.compile(r"^[0-9０-９.,，\-—/?]*$")
_STACK_GAP = 40
_DIGITS_ONLY = ("tessedit_char_whitelist=0123456789.",)


def read_number_cells(erased: np.ndarray, boxes: list[tuple[int, int, int, int]],
                      page_words: list[list[tuple[str, float]]]) -> dict[int, str]:
    """A second, digits-only reading of every table cell that holds ink and whose first reading
    (``page_words``: the page's words inside it, with confidences) is empty or numeric. The crops
    are stacked into one image for one tesseract call. Returns cell index -> the text to use: the
    number when the readings agree (or the only reading is confident enough), "?" (unreadable)
    otherwise. Cells with no ink are left out: they are blank."""
    crops: list[tuple[int, np.ndarray]] = []
    for i, (x0, top, x1, bottom) in enumerate(boxes):
        first = "".join(t for t, _ in page_words[i])
        if not _NUMERIC.match(first.replace(" ", "")):
            continue  # a label: the page reading stands
        crop = erased[top + 3:bottom - 2, x0 + 3:x1 - 2]
        ink = crop < 128
        if ink.sum() < 12:
            continue
        ys, xs = np.nonzero(ink)
        crops.append((i, crop[ys.min():ys.max() + 1, xs.min():xs.max() + 1]))
    if not crops:
        return {}
    sheet, slot = _stack([c for _, c in crops])
    second: dict[int, list[tuple[str, float]]] = {}
    for text, _x0, top, _x1, bottom, conf in words(sheet, lang="eng", psm=6, config=_DIGITS_ONLY):
        n = int(((top + bottom) / 2 - _STACK_GAP / 2) // slot)
        if 0 <= n < len(crops):
            second.setdefault(crops[n][0], []).append((text, conf))
    out: dict[int, str] = {}
    for i, crop in crops:
        a = "".join(t for t, _ in page_words[i]).replace(" ", "")
        a_conf = min((c for _, c in page_words[i]), default=0.0)
        b = "".join(t for t, _ in second.get(i, []))
        b_conf = min((c for _, c in second.get(i, [])), default=0.0)
        if a and a == b:
            out[i] = a
        elif b and not a and b_conf >= MIN_CONFIDENCE:
            out[i] = b
        elif a and not b and a_conf >= MIN_CONFIDENCE:
            out[i] = a
        else:
            # in doubt: a third reading, of the cell alone; two readings out of three must agree
            c = _read_alone(crop)
            votes = [x for x in (a, b, c) if x]
            best = max(set(votes), key=votes.count) if votes else ""
            out[i] = best if best and votes.count(best) >= 2 else "?"
    return out


def _read_alone(crop: np.ndarray) -> str:
    """One cell's digits, read on their own (tesseract's single-word mode)."""
    return "".join(t for t, *_ in words(_stack([crop])[0], lang="eng", psm=8, config=_DIGITS_ONLY))


def _stack(crops: list[np.ndarray]) -> tuple[np.ndarray, int]:
    """The crops one under another on white, ``_STACK_GAP`` apart; and the height of each slot."""
    slot = max(c.shape[0] for c in crops) + _STACK_GAP
    sheet = np.full((slot * len(crops) + _STACK_GAP, max(c.shape[1] for c in crops) + 2 * _STACK_GAP), 255,
                    dtype=np.uint8)
    for n, c in enumerate(crops):
        top = _STACK_GAP + n * slot
        sheet[top:top + c.shape[0], _STACK_GAP:_STACK_GAP + c.shape[1]] = c
    return sheet, slot


def doubtful_digits(chars: list[dict]) -> list[dict]:
    """Text outside tables: digits of a word read with too little confidence become "?", so a
    narrative fact is never a misread number (table labels keep theirs: 1. 2. 3. number rows)."""
    out = []
    for c in chars:
        if c.get("ocr_conf", 100.0) < MIN_CONFIDENCE and _DIGIT.search(c["text"]):
            c = dict(c, text=_DIGIT.sub("?", c["text"]))
        out.append(c)
    return out


def page_chars(found: list[tuple[str, float, float, float, float, float]]) -> list[dict]:
    """Words as positioned characters in page points (a word's box shared evenly by its
    characters), each with its word's confidence."""
    px = DPI / 72
    chars = []
    for text, x0, top, x1, bottom, conf in found:
        w = (x1 - x0) / len(text)
        for i, ch in enumerate(text):
            chars.append({"text": ch, "x0": (x0 + i * w) / px, "x1": (x0 + (i + 1) * w) / px, "top": top / px,
                          "bottom": bottom / px, "size": (bottom - top) / px, "upright": True, "ocr_conf": conf})
    return chars


def edges(hs: list[list[int]], vs: list[list[int]]) -> tuple[list[dict], list[dict]]:
    """The ruling lines as pdfplumber edges (page points), for explicit table finding."""
    px = DPI / 72
    h_edges = [{"object_type": "line_edge", "orientation": "h", "x0": x0 / px, "x1": x1 / px,
                "top": (r0 + r1) / 2 / px, "bottom": (r0 + r1) / 2 / px, "width": (x1 - x0) / px, "height": 0.0}
               for r0, r1, x0, x1 in hs]
    v_edges = [{"object_type": "line_edge", "orientation": "v", "x0": (c0 + c1) / 2 / px, "x1": (c0 + c1) / 2 / px,
                "top": y0 / px, "bottom": y1 / px, "width": 0.0, "height": (y1 - y0) / px}
               for c0, c1, y0, y1 in vs]
    return h_edges, v_edges
