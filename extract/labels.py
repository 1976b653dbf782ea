"""Label normalisation: the variants seen in the wild (full/half-width brackets, 1、 for 1.,
line breaks and spaces inside labels, 社会组织 for 社会公益组织, typos) reduce to one form
before they are matched against the template."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from difflib import SequenceMatcher

_PUNCT = str.maketrans({"、": ".", "．": ".", "，": ",", "。": ".", "“": '"', "”": '"', "：": ":",
                        "（": "(", "）": ")", "【": "(", "】": ")", "〔": "(", "〕": ")"})
_NUMBERING = re.compile(r"^(?:\(?[一二三四五六七八九十]+\)?[.,]?|\(?\d{1,2}\)?[.,]?)+")


@lru_cache(maxsize=8192)
def norm(label: str) -> str:
    """Canonical form of a label: NFKC, no white space, ASCII brackets and dots, 其它→其他."""
    text = unicodedata.normalize("NFKC", label).translate(_PUNCT)
    text = "".join(text.split())
    return text.replace("其它", "其他").replace("..", ".")


def strip_numbering(label: str) -> str:
    """Drop leading 一、 / (三) / 1. numbering from a normalised label."""
    return _NUMBERING.sub("", label, count=1)


def similarity(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b, autojunk=False).ratio()
