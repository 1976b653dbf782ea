"""Agency, year, title and publication date from the document itself."""
from __future__ import annotations

import re
from collections import Counter

from extract.document import Document
from extract.model import Problem, Report
from extract.period import labelled_year

_TITLE = re.compile(r"((?:19|20)\d{2})\s*年度?.{0,24}?(?:年度报告|年报)|(?:年度报告|年报).{0,4}?((?:19|20)\d{2})")
_TITLE_WORDS = ("年度报告", "年报")
_AGENCY_END = re.compile(r"(?:(?:19|20)\d{2}\s*年|关于|政府信息公开|政务公开)")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年")
_PUB = re.compile(r"(?:发布日期|发布时间|公开日期|发文日期|成文日期|生成日期)[:：\s]*((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")
_DATE = re.compile(r"((?:19|20)\d{2})\s*[-年/.]\s*(\d{1,2})\s*[-月/.]\s*(\d{1,2})")


_FIELD = re.compile(r"^\s*(?:标题|题名|名称|文章标题)\s*[:：]\s*")
_CRUMB = re.compile(r"当前位置|所在位置|>\s*\S+\s*>")
_AGENCY_SUFFIX = r"(?:人民政府|政府|办事处|街道|镇|乡|局|委员会|委|办公室|办|中心|院|所|厅|处|队|站|会)"
# an agency named in the opening sentence: 现向社会公布龙口镇2022年度…, 现将信访局2021年度…, X特编制2023年…
_NAMED = re.compile(r"(?:公布|现将|,|，|。|^)([\u4e00-\u9fa5]{2,24}?" + _AGENCY_SUFFIX + r")(?:特|现)?(?:编制)?"
                    r"(?:19|20)\d{2}\s*年度?(?:政府信息公开|政务公开)")
# …的坚强领导下，官洲街道办事处认真贯彻落实《条例》: the agency as the subject of the opening sentence
_SUBJECT = re.compile(r"[,，。]\s*([\u4e00-\u9fa5]{2,24}?" + _AGENCY_SUFFIX + r")(?:认真|严格|坚持|深入|全面|紧紧)")
_AGENCY_LINE = re.compile(r"^[\u4e00-\u9fa5]{2,30}" + _AGENCY_SUFFIX + "$")


def _clean_title(text: str) -> str:
    return _FIELD.sub("", re.sub(r"^[#*\s]+|[*\s]+$", "", text))


def _candidates(doc: Document) -> list[tuple[str, str]]:
    out = [(h, "title") for h in doc.title_hints]
    paras = doc.paragraphs[:15]
    for i, p in enumerate(paras):
        if re.match(r"^\s*(?:#+\s*)?[一二三四五六]\s*[、.]", p.text):
            break
        if _CRUMB.search(p.text):
            continue  # a breadcrumb (当前位置: 首页 > … > 年报) is the site's, not the title
        out.append((p.text, p.where))
        if i + 1 < len(paras) and len(p.text) < 40 and len(paras[i + 1].text) < 30:
            out.append((p.text + paras[i + 1].text, p.where))  # a title broken over two lines
    return out


def _agency_nearby(doc: Document, where: str) -> str | None:
    """A title without the agency (2022年政府信息公开工作年度报告) with the agency on the line
    beside it."""
    paras = doc.paragraphs[:15]
    for i, p in enumerate(paras):
        if p.where == where:
            for q in paras[max(0, i - 1):i] + paras[i + 1:i + 2]:
                t = q.text.strip()
                if _AGENCY_LINE.match(t) and len(t) <= 30:
                    return t
    return None


def _agency_named(doc: Document) -> str | None:
    """The agency where the text names it: in the opening sentences, or as the signature above
    the closing date."""
    for p in doc.paragraphs[:6]:
        m = _NAMED.search(p.text[:600])
        if m:
            name = re.split(r"公布|现将|现向社会|由|关于", m.group(1))[-1]
            if _AGENCY_LINE.match(name):
                return name
    for p in doc.paragraphs[:4]:
        m = _SUBJECT.search(p.text[:300])
        if m and not re.match(r"^(?:我|本|该|全|各)", m.group(1)):
            return m.group(1)
    paras = doc.paragraphs[-6:]
    for i, p in enumerate(paras):
        t = p.text.strip()
        if _AGENCY_LINE.match(t) and any(_DATE.search(q.text) or re.search(r"\d{4}\s*年\s*\d{1,2}\s*月", q.text)
                                          for q in paras[i + 1:i + 3]):
            return t
    return None


def read_meta(doc: Document, report: Report) -> None:
    title = None
    for text, where in _candidates(doc):
        t = _clean_title(text)
        if len(t) > 80 or not any(w in t for w in _TITLE_WORDS):
            continue
        m = _TITLE.search(t)
        if m:
            title = t
            report.year = int(m.group(1) or m.group(2))
            end = _AGENCY_END.search(t)
            agency = t[: end.start()] if end else ""
            agency = re.sub(r"^[《“\"]+|[的\s\-—]+$", "", agency).strip()
            report.agency = agency or _agency_nearby(doc, where) or None
            break
    if report.agency is None:
        report.agency = _agency_named(doc)
    if title:
        # a page <title> may carry a site suffix ("…年度报告-沭阳县发改局"); keep the report's own words
        report.title = re.split(r"\s*[-_|—]{1,2}\s*(?=[^-_|—]*$)", title)[0] if re.search(r"报告\s*[-_|—]", title) else title
    else:
        report.problems.append(Problem("no_title", "no title naming agency and year; agency left empty",
                                       "document"))
    text = "\n".join(p.text for p in doc.paragraphs)
    if report.year is None:
        stated = labelled_year(text)
        if stated is not None:
            report.year = stated
        else:
            years = Counter(int(y) for y in _YEAR.findall(text) if 1990 < int(y) < 2100)
            if years:
                top = years.most_common(2)
                if len(top) == 1 or top[0][1] > top[1][1]:
                    report.year = top[0][0]
        if report.year is None:
            report.problems.append(Problem("no_year", "the report year could not be determined", "document"))
    pub = doc.meta.get("PubDate")
    m = _DATE.search(pub) if pub else None
    if not m:
        cells = " ".join(c.text for t in doc.tables[:2] for row in t.rows for c in row)
        m = _PUB.search(text[:3000]) or _PUB.search(cells.replace(" ", ""))
        if not m:
            # a metadata grid: 公开日期 | 2024-01-17 in neighbouring cells
            for t in doc.tables[:2]:
                for row in t.rows:
                    for a, b in zip(row, row[1:]):
                        if re.search(r"(发布|公开|发文)(日期|时间)", a.text):
                            m = _DATE.search(b.text)
                            if m:
                                break
                    if m:
                        break
                if m:
                    break
    if m:
        y, mo, d = (int(x) for x in m.groups()[-3:])
        if 1 <= mo <= 12 and 1 <= d <= 31:
            report.published = f"{y:04d}-{mo:02d}-{d:02d}"
