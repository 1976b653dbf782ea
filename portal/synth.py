"""Invented reports whose numbers obey every rule of the template (R1–R5), with narrative text
of the project's own that states some of those numbers. The sample portal plants its problems
on top of these; the property tests render them and parse them back."""
from __future__ import annotations

import random
from decimal import Decimal

from extract import template as T
from portal.render import app_rows

_GENERAL = [
    "{year}年，{agency}认真贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外，"
    "持续深化政务公开，切实保障人民群众的知情权、参与权和监督权。",
    "本年度共收到政府信息公开申请{received}件，已按规定全部答复；因政府信息公开工作被申请行政复议{review}件，"
    "提起行政诉讼{litigation}件。",
    "全年通过门户网站主动公开政府信息{published}条，其中政策文件{policy}条，政策解读{interp}条。",
    "强化组织领导，明确分管领导和具体工作人员，健全信息发布审核和保密审查机制，做到先审后发。",
]
_PROACTIVE = ["围绕重点领域信息公开，及时发布财政预决算、重大建设项目、公共资源配置等信息。"]
_APPS = ["严格按照法定程序和期限办理依申请公开事项，规范答复文书，提升答复质量。"]
_REVIEW = ["依法应对因政府信息公开引起的行政复议和行政诉讼，认真分析被纠错原因，改进答复工作。"]
_PROBLEMS = [
    "存在的主要问题：一是主动公开的深度和广度还需拓展；二是政策解读形式较为单一；三是工作人员业务能力有待提升。",
    "改进措施：一是加强业务培训，提高工作人员的政策水平；二是丰富解读形式，增强公开实效；三是完善考核机制。",
]
_OTHER = ["本年度未收取信息处理费。无其他需要报告的事项。"]


def _split(total: int, parts: int, rng: random.Random) -> list[int]:
    cuts = sorted(rng.randint(0, total) for _ in range(parts - 1))
    return [b - a for a, b in zip([0] + cuts, cuts + [total])]


def random_report(rng: random.Random, agency: str, year: int, template: str | None = None,
                  scale: int = 30, *, carried: dict[str, int] | None = None,
                  in_force: dict[str, int] | None = None) -> dict:
    """A report obeying R1–R5. ``carried`` (applicant column -> count) fixes 上年结转 to last year's
    结转下年度 (W1); ``in_force`` (art20_1 row -> last year's 现行有效件数) rolls 现行有效 forward (W2).
    Without them the random draws are exactly those of earlier versions (same seed, same report)."""
    tpl = template or ("2021" if year >= 2021 else "2019")
    carried_fixed = carried
    rows = [key for *_, key in app_rows(tpl)]
    outcome_rows = [k for k in rows if k not in ("new_received", "carried_over", "total_handled", "carried_forward")]
    apps: dict[str, dict[str, int]] = {k: {} for k in rows}
    for col in T.APPLICANT_COLUMNS[:-1]:
        big = col in ("natural_person",) or rng.random() < 0.3
        new = rng.randint(0, scale) if big else rng.randint(0, 2)
        carried = rng.randint(0, 3) if rng.random() < 0.4 else 0
        if carried_fixed is not None:
            carried = carried_fixed.get(col, 0)
        forward = rng.randint(0, min(3, new + carried))
        handled = new + carried - forward
        split = _split(handled, len(outcome_rows), rng) if handled else [0] * len(outcome_rows)
        # most applications are granted; keep the shape realistic
        if handled:
            granted_share = rng.randint(handled // 2, handled)
            rest = _split(handled - granted_share, len(outcome_rows) - 1, rng)
            split = [granted_share] + rest
        apps["new_received"][col] = new
        apps["carried_over"][col] = carried
        apps["total_handled"][col] = handled
        apps["carried_forward"][col] = forward
        for k, v in zip(outcome_rows, split):
            apps[k][col] = v
    for k in rows:
        apps[k]["total"] = sum(apps[k][c] for c in T.APPLICANT_COLUMNS[:-1])
    review = {}
    for g in T.REVIEW_GROUPS:
        vals = [rng.randint(0, 3) if rng.random() < 0.5 else 0 for _ in range(4)]
        review[g] = dict(zip(T.REVIEW_COLUMNS, vals + [sum(vals)]))
    pro: dict[str, dict[str, dict]] = {}
    if tpl == "2021":
        issued, repealed = rng.randint(0, 8), rng.randint(0, 3)
        force = rng.randint(repealed, 40) + issued
        regs = {"issued": 0, "repealed": 0, "in_force": 0}
        if in_force is not None:
            prev = in_force.get("normative_docs", 0)
            repealed = min(repealed, prev + issued)
            force = prev + issued - repealed
            regs["in_force"] = in_force.get("regulations", 0)
        pro["art20_1"] = {"regulations": regs,
                          "normative_docs": {"issued": issued, "repealed": repealed, "in_force": force}}
        pro["art20_5"] = {"licensing": {"decisions": rng.randint(0, 5000)}}
        pro["art20_6"] = {"penalty": {"decisions": rng.randint(0, 300)}, "coercion": {"decisions": rng.randint(0, 20)}}
        pro["art20_8"] = {"fees": {"amount": Decimal(rng.randint(0, 9_999_999)) / Decimal(10_000)
                                   if rng.random() < 0.5 else 0}}
    else:
        pro["art20_1"] = {"regulations": {"new_made": 0, "new_published": 0, "total_published": 0},
                          "normative_docs": {"new_made": (m := rng.randint(0, 8)), "new_published": m,
                                             "total_published": m + rng.randint(0, 60)}}
        pro["art20_5"] = {"licensing": {"prev_count": rng.randint(0, 200), "change": rng.randint(-20, 20),
                                        "decisions": rng.randint(0, 5000)},
                          "other_services": {"prev_count": rng.randint(0, 50), "change": rng.randint(-5, 5),
                                             "decisions": rng.randint(0, 500)}}
        pro["art20_6"] = {"penalty": {"prev_count": rng.randint(0, 100), "change": rng.randint(-10, 10),
                                      "decisions": rng.randint(0, 300)},
                          "coercion": {"prev_count": rng.randint(0, 20), "change": rng.randint(-3, 3),
                                       "decisions": rng.randint(0, 20)}}
        pro["art20_8"] = {"fees": {"prev_count": rng.randint(0, 10), "change": rng.randint(-2, 2)}}
        pro["art20_9"] = {"procurement": {"projects": rng.randint(0, 20),
                                          "amount": Decimal(rng.randint(0, 9_999_999)) / Decimal(100)}}
    published = rng.randint(50, 3000)
    facts = {"received": apps["new_received"]["total"], "review": review["review"]["total"],
             "litigation": review["litigation_direct"]["total"] + review["litigation_after_review"]["total"],
             "published": published, "policy": rng.randint(1, 30), "interp": rng.randint(1, 10)}
    narrative = {
        "general": "\n".join(p.format(year=year, agency=agency, **facts) for p in _GENERAL),
        "proactive": _PROACTIVE[0], "applications": _APPS[0], "review_litigation": _REVIEW[0],
        "problems": "\n".join(_PROBLEMS), "other": _OTHER[0],
    }
    return {"agency": agency, "year": year, "template": tpl, "title": None, "applications": apps,
            "review_litigation": review, "proactive": pro, "narrative": narrative}
