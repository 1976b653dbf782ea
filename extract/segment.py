"""Word segmentation with jieba and a domain dictionary (``config/jieba_dict.txt``).

jieba's dictionary takes most of a second to load, so it is loaded once, lazily, on the first
call: commands that never segment never pay for it."""
from __future__ import annotations

import logging
import math
import threading
from collections import Counter
from functools import lru_cache

from config import config_dir

_lock = threading.Lock()
_STOP = frozenset("的 了 和 与 及 等 在 对 为 是 将 并 按 把 被 从 以 其 中 上 下 年 月 日 我 我们 本 该 各 一 二 三 "
                  "进一步 工作 情况 有关 相关 进行 开展 加强 做好 推进 认真 不断 全面 积极 确保".split())


@lru_cache(maxsize=1)
def _tokenizer():
    with _lock:
        import jieba

        jieba.setLogLevel(logging.WARNING)
        tk = jieba.Tokenizer()
        tk.initialize()
        user = config_dir() / "jieba_dict.txt"
        if user.exists():
            tk.load_userdict(str(user))
        return tk


@lru_cache(maxsize=1)
def _idf() -> tuple[dict[str, float], float]:
    import jieba.analyse

    loader = jieba.analyse.TFIDF().idf_loader
    freq, median = loader.get_idf()
    return freq, median


def tokens(text: str) -> list[str]:
    """Words of ``text``, without white space and punctuation."""
    return [w for w in _tokenizer().lcut(text) if w.strip() and not _is_punct(w)]


def _is_punct(w: str) -> bool:
    return all(not ch.isalnum() for ch in w)


def keywords(words: list[str], k: int = 8) -> list[str]:
    """TF-IDF keywords over jieba's IDF table (the tokens are not segmented twice)."""
    idf, median = _idf()
    counts = Counter(w for w in words if len(w) >= 2 and w not in _STOP and not w.isdigit())
    if not counts:
        return []
    total = sum(counts.values())
    scored = sorted(counts.items(), key=lambda kv: (-(kv[1] / total) * idf.get(kv[0], median), kv[0]))
    return [w for w, _ in scored[:k]]


def idf_of(word: str) -> float:
    idf, median = _idf()
    return idf.get(word, median) if not math.isnan(median) else 1.0
