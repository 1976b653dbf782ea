"""The narrative: the six sections (titles vary, numbering 一、 / 1、 / markdown headings), and the
numbers the text states about applications, 复议, 诉讼 and 主动公开."""
from __future__ import annotations

import re

from extract import template as T
from extract.document import Document, Paragraph
from extract.model import Fact, Problem, Report, Section

_CN = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_HEADING = re.compile(
    r"^\s*(?:#{1,6}\s*)?(?:\*\*)?(?:第([一二三四五六])部分[、.．:：\s]*|([一二三四五六])\s*[、.．，,:：]\s*|([1-6])\s*[、．，,:：]\s*|"
    r"([1-6])\.\s*)(.{2,40}?)(?:\*\*)?\s*[。.]?$"
)
_SENT = re.compile(r"[^。；;！!？?\n]+[。；;！!？?]?")
_NUM = r"(\d+|[一二两三四五六七八九十]{1,3})"
_UNIT = r"\s*(?:件|个|份|起|宗|人次)"
_FACT_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("review_litigation_total", re.compile(r"行政复议[、和及与或/]+(?:提起)?行政诉讼[^。；;\d]{0,20}?" + _NUM + _UNIT)),
    ("applications_carried_over", re.compile(r"(?:上年度?|上一年度?)结转[^。；;，,\d]{0,10}?" + _NUM + _UNIT)),
    ("applications_received", re.compile(r"(?:收到|受理|接到|接收|新收|共收)[^。；;，,\d]{0,20}?申请[^。；;，,\d]{0,8}?"
                                         + _NUM + _UNIT)),
    ("applications_handled", re.compile(r"(?:答复|办结|办理完毕|处理完毕)[^。；;，,\d]{0,8}?" + _NUM + _UNIT)),
    ("review_total", re.compile(r"行政复议[^。；;，,\d、]{0,10}?" + _NUM + _UNIT)),
    ("litigation_total", re.compile(r"行政诉讼[^。；;，,\d、]{0,10}?" + _NUM + _UNIT)),
    ("corrected", re.compile(r"(?:结果纠正|被纠错|被纠正)[^。；;，,\d]{0,4}?" + _NUM + _UNIT)),
    ("proactive_published", re.compile(r"主动公开[^。；;\d]{0,20}?(\d+)\s*(?:条|篇|件)")),
)
_ZERO_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("applications_received", re.compile(r"(?:未|没有)(?:收到|接到|受理)[^。；;，,]{0,16}?申请")),
    ("review_litigation_total", re.compile(r"(?:未|没有)(?:发生|出现)?[^。；;，,]{0,16}?行政复议[、和及与或/]+(?:提起)?行政诉讼")),
)


def cn_int(text: str) -> int:
    if text.isdigit():
        return int(text)
    text = text.replace("两", "二")
    if text == "十":
        return 10
    if "十" in text:
        a, _, b = text.partition("十")
        return _CN.get(a, 1) * 10 + _CN.get(b, 0)
    return _CN[text]


#: A heading inside a long line (a page saved with its line breaks collapsed): 二、主动公开政府信息情况
_INLINE = re.compile(r"(?<![A-Za-z（(])([一二三四五六])\s*[、.．]\s*(?=\S)")
_TITLE_END = re.compile(r"情况|事项|措施|问题")


def split_inline_headings(paras: list[Paragraph], long: int = 200) -> list[Paragraph]:
    """Long paragraphs that hold the section headings inline (一、总体情况2023年以来…) split at
    them, so the sections of a one-line page are found like any other: a heading is taken only
    with its number in sequence and a title that has the section's cue within a few characters."""
    out: list[Paragraph] = []
    expect = 1
    for p in paras:
        if len(p.text) < long:
            out.append(p)
            m = _HEADING.match(p.text)
            if m and (m.group(1) or m.group(2)):
                expect = max(expect, _CN[m.group(1) or m.group(2)] + 1)
            continue
        cuts: list[tuple[int, int]] = []  # (start of the heading, end of its title)
        for m in _INLINE.finditer(p.text):
            num = _CN[m.group(1)]
            if num != expect:
                continue
            window = p.text[m.end():m.end() + 30]
            cues = T.SECTIONS[num - 1][2]
            at = min((window.find(c) for c in cues if c in window), default=-1)
            if at < 0 or at > 8:
                continue
            end = _TITLE_END.search(window, at)
            title_end = m.end() + (end.end() if end and end.end() <= 26 else at + max(len(c) for c in cues if c in window))
            cuts.append((m.start(), title_end))
            expect = num + 1
        if not cuts:
            out.append(p)
            continue
        at = 0
        for a, b in cuts:
            if p.text[at:a].strip():
                out.append(Paragraph(p.text[at:a].strip(), p.where))
            out.append(Paragraph(p.text[a:b].strip(), f"{p.where} char {a + 1}"))
            at = b
        if p.text[at:].strip():
            out.append(Paragraph(p.text[at:].strip(), p.where))
    return out


def find_sections(doc: Document) -> tuple[list[tuple[int, str, str, Paragraph]], list[Paragraph]]:
    """Headings as (section index, key, title, paragraph), in document order."""
    paras = split_inline_headings(doc.paragraphs)
    heads: list[tuple[int, str, str, Paragraph]] = []
    expect = 0
    for p in paras:
        m = _HEADING.match(p.text)
        if not m:
            continue
        num_cn = m.group(1) or m.group(2)
        num = _CN[num_cn] if num_cn else int(m.group(3) or m.group(4))
        title = m.group(5).strip().strip("*").strip()
        if num < 1 or num > 6 or num <= expect:
            continue
        key, _, cues = T.SECTIONS[num - 1]
        if any(cue in title for cue in cues):
            heads.append((num, key, title, p))
            expect = num
    return heads, paras


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in _SENT.findall(text) if s.strip()]


def find_facts(text: str, section: str | None) -> list[Fact]:
    """The numbers the text states. Each pattern runs over the sentence with the earlier
    patterns' matches masked (one rebuild per pattern, so a long sentence costs linear time)."""
    facts: list[Fact] = []
    for sent in _sentences(text):
        masked = sent
        for kind, pat in _FACT_PATTERNS:
            spans = []
            for m in pat.finditer(masked):
                if len(m.group(1)) > 200:
                    continue  # no count of a report has hundreds of digits (and int() refuses 4,300)
                kind_ = kind
                if kind == "corrected":
                    rv, lt = sent.rfind("行政复议", 0, m.start()), sent.rfind("行政诉讼", 0, m.start())
                    kind_ = "review_corrected" if rv > lt else ("litigation_corrected" if lt > rv else "corrected")
                facts.append(Fact(kind_, cn_int(m.group(1)), m.group(0), sent, section))
                spans.append((m.start(), m.end()))
            if spans:
                parts, at = [], 0
                for a, b in spans:
                    parts.append(masked[at:a])
                    parts.append("※" * (b - a))
                    at = b
                parts.append(masked[at:])
                masked = "".join(parts)
        for kind, pat in _ZERO_PATTERNS:
            m = pat.search(masked)
            if m:
                facts.append(Fact(kind, 0, m.group(0), sent, section))
    return facts


def read_narrative(doc: Document, report: Report, segment: bool = True) -> None:
    heads, paras = find_sections(doc)
    index = {id(p): i for i, p in enumerate(paras)}
    first = index[id(heads[0][3])] if heads else 0
    report.preamble = "\n".join(p.text for p in paras[:first])
    for n, (num, key, title, para) in enumerate(heads):
        start = index[id(para)] + 1
        end = index[id(heads[n + 1][3])] if n + 1 < len(heads) else len(paras)
        text = "\n".join(p.text for p in paras[start:end])
        report.sections.append(Section(key, title, text, para.where))
    found = {s.key for s in report.sections}
    for key, title, _ in T.SECTIONS:
        if key not in found:
            report.problems.append(Problem("missing_section", f"section {title} not found", "narrative"))
    for s in report.sections:
        s.facts = find_facts(s.text, s.key)
        report.facts.extend(s.facts)
    if not report.sections:
        # no recognisable headings: still read the facts from the whole text
        report.facts = find_facts("\n".join(p.text for p in paras), None)
    # the 统计期限 the text states (the preamble too): report-level facts the monitor's W5 reads
    from extract.period import stated_periods

    periods = stated_periods(report.preamble, "preamble") if report.preamble else []
    for s in report.sections:
        periods += stated_periods(s.text, s.key)
    if not report.sections and not report.preamble:
        periods = stated_periods("\n".join(p.text for p in paras), None)
    report.facts.extend(periods)
    if segment:
        from extract.segment import keywords, tokens

        for s in report.sections:
            s.tokens = tokens(s.text)
            s.keywords = keywords(s.tokens)
