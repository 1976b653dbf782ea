"""W4 — 内容雷同: a narrative near-identical to the same agency's previous report, or to the report
of another agency of the same region for the same year (the copying supervisors punish).

Text: the jieba tokens of all six sections (``SectionRow.tokens``); every token holding a digit
hashes alike — a copy with this year's figures and year is still a copy. Similarity: the Jaccard
index of the two sets of ``shingle``-word shingles, computed exactly and shown in the message.

Finding candidates among 100,000 reports without comparing all pairs: token hashes computed in
numpy (no per-token Python work; datasketch's per-document hashing was too slow for the 60 s
budget), then a one-permutation MinHash
(``bins`` bins over a stable 64-bit hash of each shingle) per report, banded for LSH
(``band_rows`` bins per band) within each (region, year); a previous-year pair is always a
candidate. Candidates whose estimate is clearly below the threshold are dropped, the rest are
compared exactly — so the figure shown never depends on hashing luck, and the same texts give the
same figure on every run. Narratives under ``min_shingles`` shingles are not compared.
"""
from __future__ import annotations

from collections import defaultdict

import numpy as np

from monitor.catalogue import family_rules
from monitor.config import MonitorConfig
from monitor.findings import Hit
from monitor.view import View

RULES = family_rules("duplication")

_MULT = [np.uint64(x) for x in (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0x27D4EB2F165667C5,
                                 0x85EBCA77C2B2AE63, 0xFF51AFD7ED558CCD)]
_MAX = np.uint64(0xFFFFFFFFFFFFFFFF)
_SLACK = 0.25  # an estimate this far below the threshold is not worth an exact comparison


_P = 0x100000001B3  # odd: invertible modulo 2**64
_PINV = pow(_P, -1, 2**64)
_DIGIT_TOKEN = np.uint64(0x5DEECE66D2B5A4F1)  # every token holding a digit hashes to this


def _powers(base: int, n: int) -> np.ndarray:
    """base**0 … base**(n-1) modulo 2**64."""
    out = np.full(n, base, dtype=np.uint64)
    if n:
        out[0] = 1
    return np.cumprod(out, dtype=np.uint64)


def token_hashes(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Stable 64-bit hashes of the space-separated tokens of several texts, computed in numpy
    (a polynomial hash of each token's code points via prefix sums): (hashes, text of each)."""
    if not texts:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    a = np.frombuffer("\n".join(texts).encode("utf-32-le"), dtype=np.uint32)
    n = len(a)
    sep = (a == 32) | (a == 10) | (a == 9) | (a == 0x3000)
    nonsep = ~sep
    starts = np.flatnonzero(nonsep & np.concatenate(([True], sep[:-1])))
    ends = np.flatnonzero(nonsep & np.concatenate((sep[1:], [True]))) + 1
    x = a.astype(np.uint64) + np.uint64(1)
    pre = np.zeros(n + 1, dtype=np.uint64)
    np.cumsum(x * _powers(_P, n), dtype=np.uint64, out=pre[1:])
    h = (pre[ends] - pre[starts]) * _powers(_PINV, n)[starts]
    digit = ((a >= 48) & (a <= 57)) | ((a >= 0xFF10) & (a <= 0xFF19))
    dc = np.concatenate(([0], np.cumsum(digit)))
    h[(dc[ends] - dc[starts]) > 0] = _DIGIT_TOKEN
    doc = np.concatenate(([0], np.cumsum(a == 10)))[starts]
    return _mix(h), doc.astype(np.int64)


def _mix(x: np.ndarray) -> np.ndarray:
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xFF51AFD7ED558CCD)
    x = x ^ (x >> np.uint64(33))
    x = x * np.uint64(0xC4CEB9FE1A85EC53)
    return x ^ (x >> np.uint64(33))


def shingles(h: np.ndarray, lens: np.ndarray, w: int) -> tuple[np.ndarray, np.ndarray]:
    """Shingle hashes of several documents laid end to end: (hashes, document of each)."""
    m = len(lens)
    doc = np.repeat(np.arange(m, dtype=np.int64), lens)
    n = len(h) - w + 1
    if n <= 0:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    x = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for o in range(w):
            x ^= h[o:o + n] * _MULT[o % len(_MULT)]
        x = _mix(x)
    valid = doc[:n] == doc[w - 1:w - 1 + n]
    return x[valid], doc[:n][valid]


def signatures(h: np.ndarray, lens: np.ndarray, w: int, bins: int) -> tuple[np.ndarray, np.ndarray]:
    """One-permutation MinHash [doc, bin] and the number of shingles of each document."""
    m = len(lens)
    x, d = shingles(h, lens, w)
    sig = np.full(m * bins, _MAX, dtype=np.uint64)
    if len(x):
        np.minimum.at(sig, d * bins + (x % np.uint64(bins)).astype(np.int64), x // np.uint64(bins))
    return sig.reshape(m, bins), np.bincount(d, minlength=m)


def check(view: View, cfg: MonitorConfig) -> list[Hit]:
    c = cfg["duplication"]
    w, bins, rows = int(c["shingle"]), int(c["bins"]), int(c["band_rows"])
    min_sh, thr_prev, thr_other = int(c["min_shingles"]), float(c["previous_year"]), float(c["other_agency"])
    n = len(view.reps)
    if not n or not view.scope.any():
        return []
    sig = np.full((n, bins), _MAX, dtype=np.uint64)
    count = np.zeros(n, dtype=np.int64)
    owners: list[int] = []
    texts: list[str] = []
    size = 0

    def flush() -> None:
        if not owners:
            return
        h, doc = token_hashes(texts)
        lens = np.bincount(doc, minlength=len(texts)).astype(np.int64)
        s, k = signatures(h, lens, w, bins)
        sig[owners] = s
        count[owners] = k
        owners.clear()
        texts.clear()

    for idx, toks in view.iter_report_text("tokens"):
        if not toks:
            continue
        owners.append(idx)
        texts.append(toks)
        size += len(toks)
        if size > 2_000_000:
            flush()
            size = 0
    flush()

    big = count >= min_sh
    cand: set[tuple[int, int]] = set()
    # same agency, previous year
    prev_of: dict[int, int] = {}
    for rep in view.reps:
        if rep.in_scope and not rep.agency.pseudo and rep.year is not None and big[rep.idx]:
            j = view.by_key.get((rep.agency.key, rep.year - 1))
            if j is not None and big[j]:
                prev_of[rep.idx] = j
                cand.add((min(rep.idx, j), max(rep.idx, j)))
    # other agencies of the same region and year: LSH buckets
    groups: dict[tuple, list[int]] = defaultdict(list)
    for rep in view.reps:
        if big[rep.idx] and not rep.agency.pseudo and rep.agency.region_key and rep.year is not None:
            groups[(rep.agency.region_key, rep.year)].append(rep.idx)
    cap = 4 * int(c["max_listed"]) + 20
    for members in groups.values():
        if len(members) < 2 or not view.scope[members].any():
            continue
        for b in range(0, bins - rows + 1, rows):
            buckets: dict[bytes, list[int]] = defaultdict(list)
            for i in members:
                buckets[sig[i, b:b + rows].tobytes()].append(i)
            for lst in buckets.values():
                if len(lst) < 2:
                    continue
                for a in range(1, len(lst)):
                    for bb in range(max(0, a - cap), a):
                        i, j = lst[a], lst[bb]
                        if view.reps[i].agency.key != view.reps[j].agency.key and (view.scope[i] or view.scope[j]):
                            cand.add((min(i, j), max(i, j)))
    # estimate, then compare exactly
    thr_min = min(thr_prev, thr_other) - _SLACK
    keep = [(i, j) for i, j in cand if float((sig[i] == sig[j]).mean()) >= thr_min]
    if not keep:
        return []
    need = sorted({x for p in keep for x in p})
    sets = _exact_sets(view, need, w)
    sim: dict[tuple[int, int], float] = {}
    for i, j in keep:
        a, b = sets.get(i), sets.get(j)
        if a is None or b is None or not len(a) or not len(b):
            continue
        inter = len(np.intersect1d(a, b, assume_unique=True))
        sim[(i, j)] = inter / (len(a) + len(b) - inter)

    hits: list[Hit] = []
    for i, j in prev_of.items():
        s = sim.get((min(i, j), max(i, j)))
        if s is not None and s >= thr_prev:
            rep, old = view.reps[i], view.reps[j]
            hits.append(Hit("W4", rep.agency, rep.year, "previous_year",
                            f"W4 内容雷同：{rep.year}年报告正文与本机关{old.year}年报告的相似度为{s:.0%}"
                            f"（{w}词片段Jaccard，数字不计），疑为照搬上年文本，请核实是否如实反映本年度工作。",
                            rep=i, extra={"similarity": round(s, 4), "compared_report_id": old.id,
                                          "compared_source_url": old.url, "compared_year": old.year,
                                          "shingles": [int(len(sets[i])), int(len(sets[j]))]},
                            values=[round(s, 2), old.year]))
    others: dict[int, list[tuple[float, int]]] = defaultdict(list)
    for (i, j), s in sim.items():
        if s < thr_other or view.reps[i].agency.key == view.reps[j].agency.key:
            continue
        if view.reps[i].year != view.reps[j].year:
            continue
        others[i].append((s, j))
        others[j].append((s, i))
    for i, lst in others.items():
        rep = view.reps[i]
        if not rep.in_scope:
            continue
        lst.sort(key=lambda x: (-x[0], view.reps[x[1]].agency.name))
        top = lst[: int(c["max_listed"])]
        names = "、".join(f"{view.reps[j].agency.name}（{s:.0%}）" for s, j in top)
        more = f"等{len(lst)}个机构" if len(lst) > len(top) else ""
        hits.append(Hit("W4", rep.agency, rep.year, "other_agencies",
                        f"W4 内容雷同：{rep.year}年报告正文与同地区其他机构同年报告高度相似：{names}{more}"
                        f"（{w}词片段Jaccard，数字不计）。请核实是否照搬他人文本。",
                        rep=i, extra={"similar": [{"agency": view.reps[j].agency.name, "report_id": view.reps[j].id,
                                                   "source_url": view.reps[j].url, "similarity": round(s, 4)}
                                                  for s, j in top], "similar_count": len(lst)},
                        values=sorted((view.reps[j].agency.key, round(s, 2)) for s, j in top)))
    return hits


def _exact_sets(view: View, idxs: list[int], w: int) -> dict[int, np.ndarray]:
    by_id = {view.reps[i].id: i for i in idxs}
    out = {}
    for rid, toks in view.iter_report_text("tokens", only=list(by_id)):
        h, _ = token_hashes([toks])
        x, _ = shingles(h, np.array([len(h)], dtype=np.int64), w)
        out[by_id[rid]] = np.unique(x)
    return out
