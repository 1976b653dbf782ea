"""The test convention itself (tests/snapshots.py): every example under tests/examples/ has its
``<case>.expected.json`` and every expected JSON its example, every folder is a known stage, and
the copies of ../shared/ are the documents they claim to be."""
from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from tests import snapshots as S


def test_every_example_has_its_expected_json() -> None:
    missing = [S.case_id(p) for p in S.all_examples() if not S.expected_path(p).is_file()]
    assert not missing, "examples without <case>.expected.json (python -m tests.snapshots draft EXAMPLE): " \
                        + ", ".join(missing)


def test_every_expected_json_has_its_example() -> None:
    cases = {S.expected_path(p) for p in S.all_examples()}
    orphans = [S.case_id(p) for p in sorted(S.EXAMPLES.rglob("*" + S.EXPECTED_SUFFIX)) if p not in cases]
    assert not orphans, f"expected JSON without an example beside it: {orphans}"


def test_every_example_folder_is_a_stage() -> None:
    folders = sorted({p.parent for p in S.all_examples()})
    assert folders
    for folder in folders:
        S.stage_of(folder / "x")  # exits with the known stages when the folder is none of them


def test_the_convention_check_can_fail(tmp_path: Path) -> None:
    (tmp_path / "a.html").write_text("x", encoding="utf-8")
    (tmp_path / "b.expected.json").write_text("{}", encoding="utf-8")
    (tmp_path / "SOURCES.md").write_text("x", encoding="utf-8")
    examples = S.all_examples(tmp_path)
    assert [p.name for p in examples] == ["a.html"] and not S.expected_path(examples[0]).is_file()
    assert S.diff({"a": [1, 2], "b": "x"}, {"a": [1], "c": "x"}) == [
        "/a[1]: missing (expected 2)", "/b: missing (expected 'x')", "/c: unexpected 'x'"]
    assert S.diff(1, 1.0) == [": expected 1, got 1.0"]


# --- the copies of ../shared/ ------------------------------------------------------------------
def _sources_sha1(folder: Path) -> dict[str, str]:
    """file -> sha1 from the table of a SOURCES.md (| file | … | sha1 | …)."""
    text = (folder / "SOURCES.md").read_text(encoding="utf-8")
    header = next(line for line in text.splitlines() if line.startswith("| file"))
    col = [c.strip() for c in header.strip("|").split("|")].index("sha1")
    out = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip("|").split("|")]
        found = re.match(r"[0-9a-f]{40}\b", cells[col]) if line.startswith("|") and len(cells) > col else None
        if found:  # a note may follow the sha1 ("3aae… (document properties cleared; …)")
            out[cells[0]] = found.group()
    return out


def test_real_documents_are_the_ones_their_sources_name() -> None:
    """Each real document has the sha1 SOURCES.md gives (no ../shared needed)."""
    sha1 = _sources_sha1(S.REAL)
    docs = S.documents(S.REAL)
    assert sorted(p.name for p in docs) == sorted(sha1), "SOURCES.md and the documents do not list the same files"
    differ = [p.name for p in docs if hashlib.sha1(p.read_bytes()).hexdigest() != sha1[p.name]]
    assert not differ, f"not the documents SOURCES.md describes: {differ}"


@pytest.mark.parametrize("copy,source", [(S.SEEDS, "seeds"), (S.REAL, "corpus/real"),
                                         (S.REAL_TEXT, "corpus/real-text")], ids=lambda x: str(x).split("/")[-1])
def test_copies_are_byte_exact(copy: Path, source: str) -> None:
    """Where ../shared/ is checked out beside the repository, the copies equal it file by file
    (SOURCES.md included) and none is missing; a clean clone has only the copies."""
    original = S.SHARED / source
    if not original.is_dir():
        pytest.skip(f"{original} is not beside the repository (the copies are tested on their own)")
    names = sorted(p.name for p in original.iterdir() if p.is_file())
    copied = sorted(p.name for p in copy.iterdir() if p.is_file() and not p.name.endswith(S.EXPECTED_SUFFIX))
    assert copied == names, f"{copy} does not hold the files of {original}"
    differ = [n for n in names if (original / n).read_bytes() != (copy / n).read_bytes()]
    assert not differ, f"not byte-exact copies of {original}: {differ}"
