"""The monitor against the sample portal's truth: every planted problem in ``portal/truth.yaml``
is found, with its rule, agency and year, and no clean agency-year gets an agency finding.

The portal's documents are taken as the portal serves them (``portal.site.Site``: the detail page,
or the attachment for txt/pdf/docx reports; for P3 reports the first and the later bytes under the
same URL), and loaded with ``import_file`` with the agency, year, 发布日期 and URL the crawl would
have attached — no crawl needed. The expected agencies are the portal's rosters.
"""
from __future__ import annotations

from collections import Counter
from datetime import date
from urllib.parse import urlsplit

import pytest

truth_mod = pytest.importorskip("portal.truth", reason="portal/truth.py (the sample portal's truth) is not there yet")

from monitor import MonitorConfig, run_check  # noqa: E402
from db.home import Home
from nianbao.app.extraction import import_file  # noqa: E402

AGENCY_RULES = {"R1", "R2", "R3", "R4", "R5", "W1", "W2", "W3", "W4", "W5", "W6", "T1", "P1", "P2", "P3"}
_SUFFIX = {"html": ".html", "txt": ".txt", "pdf": ".pdf", "docx": ".docx"}


@pytest.fixture(scope="module")
def portal_run(tmp_path_factory):
    from portal.site import Site

    truth = truth_mod.load_truth()
    tmp = tmp_path_factory.mktemp("portal")
    cfg_dir = tmp / "config"
    (cfg_dir / "agencies").mkdir(parents=True)
    for prov in truth.provinces:
        (cfg_dir / "agencies" / f"sample-{prov.slug}.yaml").write_text(truth_mod.roster_yaml(truth, prov.name),
                                                                      encoding="utf-8")
    site = Site.build(truth, 8000)
    h = Home.open(str(tmp / "home"))
    s = h.session()
    n = 0
    for r in truth.reports:
        epochs = (0, 1) if r.changed is not None else (0,)
        for epoch in epochs:
            url = r.content_url
            parts = urlsplit(url)
            page, _ = site.lookup(parts.path, parts.query)
            assert page is not None, url
            n += 1
            f = tmp / f"doc{n}{_SUFFIX.get(r.format, '.html') if r.attachment else '.html'}"
            f.write_bytes(page.render(epoch))
            import_file(h, s, f, {"agency": r.agency, "year": r.year, "published": r.published_date.isoformat(),
                                  "url": "http://127.0.0.1:8000" + url})
            s.commit()
    last_deadline = max(truth.deadline(a.name, max(truth.years)) for a in truth.agencies)
    result = run_check(s, MonitorConfig.load(cfg_dir), as_of=date(last_deadline.year, 12, 31))
    s.commit()
    s.close()
    return truth, [r for r in result.records if not r["resolved_in_this_run"]]


def test_every_planted_problem_is_found(portal_run):
    truth, recs = portal_run
    found = {(r["rule"], r["agency"], r["year"]) for r in recs if r["status"] == "open"}
    missed = [(p.id, p.rule, p.agency, p.year) for p in truth.problems if (p.rule, p.agency, p.year) not in found]
    assert not missed, missed
    for agency, year in truth.missing:
        assert ("P1", agency, year) in found


def test_no_clean_agency_is_flagged(portal_run):
    truth, recs = portal_run
    clean = truth.clean
    wrong = [(r["rule"], r["agency"], r["year"], r["message"]) for r in recs
             if r["rule"] in AGENCY_RULES and (r["agency"], r["year"]) in clean]
    assert not wrong, wrong


def test_no_finding_beyond_the_plants(portal_run):
    """Everything the monitor says about an agency concerns a planted problem of that agency (a
    W1/W2/W4 plant also involves the year before; T1 every year of the series)."""
    truth, recs = portal_run
    planted = {(p.rule, p.agency, y) for p in truth.problems for y in p.years}
    dirty = {(p.agency, y) for p in truth.problems for y in p.years}
    extra = [(r["rule"], r["agency"], r["year"], r["message"]) for r in recs if r["rule"] in AGENCY_RULES
             and (r["rule"], r["agency"], r["year"]) not in planted and (r["agency"], r["year"]) not in dirty]
    assert not extra, extra
    info = Counter(r["rule"] for r in recs if r["rule"] not in AGENCY_RULES)
    # what we could not read is reported apart (X1), never as an agency error
    assert set(info) <= {"X1", "C1"}, info
