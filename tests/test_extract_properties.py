"""Property tests: random valid reports rendered into each layout parse back to exactly the
numbers that were rendered (tab text, markdown split in two, one cell per line, CMS HTML with
merged cells), in UTF-8 and GB18030."""
from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from extract import extract
from portal.render import LAYOUTS
from portal.synth import random_report
from tests.snapshots import diff, to_jsonable


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 2**32 - 1), year=st.integers(2019, 2025), layout=st.sampled_from(sorted(LAYOUTS)),
       encoding=st.sampled_from(["utf-8", "gb18030"]), scale=st.sampled_from([0, 5, 300, 20000]))
def test_rendered_report_parses_back(seed: int, year: int, layout: str, encoding: str, scale: int) -> None:
    rng = random.Random(seed)
    truth = random_report(rng, "某县自然资源和规划局", year, scale=max(scale, 1))
    data = LAYOUTS[layout](truth).encode(encoding)
    name = "r.html" if layout == "html" else "r.txt"
    got = extract(data, filename=name, segment=False).as_dict()
    assert (got["agency"], got["year"], got["template"]) == (truth["agency"], year, truth["template"])
    expected = to_jsonable({k: truth[k] for k in ("applications", "review_litigation", "proactive")})
    actual = to_jsonable({k: got[k] for k in ("applications", "review_litigation", "proactive")})
    assert not diff(expected, actual), diff(expected, actual)[:10]
    assert got["problems"] == []
    assert [s["key"] for s in got["sections"]] == ["general", "proactive", "applications", "review_litigation",
                                                   "problems", "other"]


@pytest.mark.parametrize("layout", sorted(LAYOUTS))
def test_both_templates_in_every_layout(layout: str) -> None:
    for year, tpl in ((2020, "2019"), (2022, "2021"), (2022, "2019")):
        truth = random_report(random.Random(year), "某镇人民政府", year, template=tpl)
        got = extract(LAYOUTS[layout](truth).encode(), filename="r.html" if layout == "html" else "r.txt",
                      segment=False)
        assert got.template == tpl
        assert got.value("applications", "total_handled", "total") == truth["applications"]["total_handled"]["total"]
        if tpl == "2019":
            assert got.value("art20_9", "procurement", "amount") == truth["proactive"]["art20_9"]["procurement"]["amount"]
            assert "other" in got.applications and "other.other" not in got.applications
