"""Agency, year, title and publication date from the document itself.

The words are recognised by ``extract.recognition`` (the catalogue the crawler reads link titles
and pages with); what is here is where in a document to look: the title lines, the line beside
the title, the opening sentences, the signature, the metadata grid."""
from __future__ import annotations

import re

from extract import recognition as rec
from extract.document import Document
from extract.model import Problem, Report
from extract.period import labelled_year

_FIELD = re.compile(r"^\s*(?:标题|题名|名称|文章标题)\s*[:：]\s*")
_CRUMB = re.compile(r"当前位置|所在位置|>\s*\S+\s*>")
_AGENCY_NAME = r"[\u4e00-\u9fa5]{2,24}?" + rec.AGENCY_SUFFIX
# an agency named in the opening sentence: 现向社会公布龙口镇2022年度…, 现将信访局2021年度…, X特编制2023年…
_NAMED = re.compile(r"(?:公布|现将|,|，|。|^)(" + _AGENCY_NAME + r")(?:特|现)?(?:编制)?"
                    rf"{rec.YEAR_DIGITS}\s*年度?(?:政府信息公开|政务公开)")
# …的坚强领导下，官洲街道办事处认真贯彻落实《条例》: the agency as the subject of the opening sentence
_SUBJECT = re.compile(r"[,，。]\s*(" + _AGENCY_NAME + r")(?:认真|严格|坚持|深入|全面|紧紧)")
_AGENCY_LINE = re.compile(r"^[\u4e00-\u9fa5]{2,30}" + rec.AGENCY_SUFFIX + "$")
_SIGNED_MONTH = re.compile(r"\d{4}\s*年\s*\d{1,2}\s*月")


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
        if _AGENCY_LINE.match(t) and any(rec.DATE.search(q.text) or _SIGNED_MONTH.search(q.text)
                                          for q in paras[i + 1:i + 3]):
            return t
    return None


def read_meta(doc: Document, report: Report) -> None:
    """Fill the report's title, agency, year and publication date from the document; what it does
    not say stays None (the crawl's list page or the site entry may know it, never a guess)."""
    title = None
    for text, where in _candidates(doc):
        t = _clean_title(text)
        if len(t) > 80 or not rec.names_report(t):
            continue
        year = rec.document_title_year(t)
        if year is not None:
            title = t
            report.year = year
            report.agency = rec.agency_of(t) or _agency_nearby(doc, where)
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
        report.year = labelled_year(text) or rec.most_named_year(text)
        if report.year is None:
            report.problems.append(Problem("no_year", "the report year could not be determined", "document"))
    report.published = _published(doc, text)


def _published(doc: Document, text: str) -> str | None:
    """The publication date: the page's PubDate meta tag, a labelled date at the top of the text
    or in the first tables, or a metadata grid (公开日期 | 2024-01-17 in neighbouring cells)."""
    pub = rec.first_date(doc.meta.get("PubDate"))
    if pub:
        return pub
    cells = " ".join(c.text for t in doc.tables[:2] for row in t.rows for c in row)
    pub = rec.labelled_date(text[:3000], vague=False) or rec.labelled_date(cells.replace(" ", ""), vague=False)
    if pub:
        return pub
    for t in doc.tables[:2]:
        for row in t.rows:
            for a, b in zip(row, row[1:]):
                if rec.PUBLISHED_LABEL.search(a.text) and rec.first_date(b.text):
                    return rec.first_date(b.text)
    return None
