"""The national report template as data: canonical keys, their labels, and the cues that tell
the 2019 trial format (国办公开办函〔2019〕60号) from the 2021 format (〔2021〕30号).

Everything the extractor knows about the template lives here, so a new label variant is a
line in this module (or in ``config/labels.yaml``), never a new code branch.
"""
from __future__ import annotations

from dataclasses import dataclass

TEMPLATES = ("2019", "2021")

#: Applications table (三、收到和处理政府信息公开申请情况), value columns in printed order.
APPLICANT_COLUMNS: tuple[str, ...] = (
    "natural_person", "commercial", "research", "social_welfare", "legal_service", "other_org", "total",
)
APPLICANT_COLUMN_LABELS = {
    "natural_person": "自然人", "commercial": "商业企业", "research": "科研机构",
    "social_welfare": "社会公益组织", "legal_service": "法律服务机构", "other_org": "其他", "total": "总计",
}


@dataclass(frozen=True)
class RowSpec:
    """One data row of the applications table.

    ``cues`` are substrings of the normalised label that identify the row; ``group`` is the
    （三）–（六） heading the row belongs to (a sub-row's number alone is ambiguous), and
    ``templates`` the formats in which the row exists.
    """

    key: str
    label: str
    cues: tuple[str, ...]
    group: str | None = None
    templates: tuple[str, ...] = TEMPLATES


APPLICATION_ROWS: tuple[RowSpec, ...] = (
    RowSpec("new_received", "一、本年新收政府信息公开申请数量", ("本年新收",)),
    RowSpec("carried_over", "二、上年结转政府信息公开申请数量", ("上年结转",)),
    RowSpec("granted", "（一）予以公开", ("予以公开",)),
    RowSpec("partial", "（二）部分公开", ("部分公开",)),
    RowSpec("denied.state_secret", "1.属于国家秘密", ("国家秘密",), "denied"),
    RowSpec("denied.law_prohibited", "2.其他法律行政法规禁止公开", ("禁止公开",), "denied"),
    RowSpec("denied.three_safety", "3.危及“三安全一稳定”", ("三安全", "一稳定", "危及"), "denied"),
    RowSpec("denied.third_party", "4.保护第三方合法权益", ("第三方",), "denied"),
    RowSpec("denied.internal_affairs", "5.属于三类内部事务信息", ("内部事务",), "denied"),
    RowSpec("denied.process_info", "6.属于四类过程性信息", ("过程性",), "denied"),
    RowSpec("denied.enforcement_file", "7.属于行政执法案卷", ("执法案卷",), "denied"),
    RowSpec("denied.query_matter", "8.属于行政查询事项", ("查询事项",), "denied"),
    RowSpec("unable.not_held", "1.本机关不掌握相关政府信息", ("不掌握",), "unable"),
    RowSpec("unable.need_create", "2.没有现成信息需要另行制作", ("另行制作", "没有现成"), "unable"),
    RowSpec("unable.unclear", "3.补正后申请内容仍不明确", ("不明确",), "unable"),
    RowSpec("not_processed.petition", "1.信访举报投诉类申请", ("信访", "举报投诉"), "not_processed"),
    RowSpec("not_processed.duplicate", "2.重复申请", ("重复申请",), "not_processed"),
    RowSpec("not_processed.publication", "3.要求提供公开出版物", ("出版物",), "not_processed"),
    RowSpec("not_processed.mass_repeat", "4.无正当理由大量反复申请", ("大量反复",), "not_processed"),
    RowSpec("not_processed.confirm", "5.要求行政机关确认或重新出具已获取信息", ("重新出具", "确认"), "not_processed"),
    RowSpec("other.overdue_correction", "1.申请人无正当理由逾期不补正", ("不补正",), "other", ("2021",)),
    RowSpec("other.overdue_fee", "2.申请人逾期未按收费通知要求缴纳费用", ("缴纳费用", "收费通知"), "other", ("2021",)),
    RowSpec("other.other", "3.其他", ("其他",), "other", ("2021",)),
    RowSpec("other", "（六）其他处理", ("其他处理",), None, ("2019",)),
    RowSpec("total_handled", "（七）总计", ("总计",)),
    RowSpec("carried_forward", "四、结转下年度继续办理", ("结转下年", "下年度继续")),
)
APPLICATION_ROW_KEYS = tuple(r.key for r in APPLICATION_ROWS)

#: The group headings （三）–（六）; a row carrying one sets the group for the sub-rows under it.
APPLICATION_GROUPS: dict[str, tuple[str, ...]] = {
    "denied": ("不予公开",),
    "unable": ("无法提供",),
    "not_processed": ("不予处理",),
    "other": ("其他处理",),
}

#: Review and litigation table (四、…行政复议、行政诉讼情况): three groups × five columns.
REVIEW_GROUPS: tuple[str, ...] = ("review", "litigation_direct", "litigation_after_review")
REVIEW_COLUMNS: tuple[str, ...] = ("upheld", "corrected", "other", "pending", "total")
REVIEW_GROUP_LABELS = {"review": "行政复议", "litigation_direct": "未经复议直接起诉",
                       "litigation_after_review": "复议后起诉"}
REVIEW_COLUMN_LABELS = {"upheld": "结果维持", "corrected": "结果纠正", "other": "其他结果",
                        "pending": "尚未审结", "total": "总计"}


@dataclass(frozen=True)
class ProactiveTable:
    """One 第二十条 sub-table: which rows it has and which value columns in each template."""

    key: str
    item: str  # the 第二十条 item number, as in 第（一）项
    rows: dict[str, tuple[str, ...]]  # row key -> label cues
    columns: dict[str, tuple[tuple[str, tuple[str, ...]], ...]]  # template -> ((col key, cues), ...)
    money_columns: frozenset[str] = frozenset()


PROACTIVE_TABLES: tuple[ProactiveTable, ...] = (
    ProactiveTable(
        "art20_1", "一",
        {"regulations": ("规章",), "normative_docs": ("规范性文件",)},
        {
            "2021": (("issued", ("制发",)), ("repealed", ("废止",)), ("in_force", ("现行有效", "有效件数"))),
            "2019": (("new_made", ("新制作",)), ("new_published", ("新公开",)), ("total_published", ("公开总数", "总数量"))),
        },
    ),
    ProactiveTable(
        "art20_5", "五",
        {"licensing": ("行政许可",), "other_services": ("其他对外管理服务", "对外管理服务")},
        {
            "2021": (("decisions", ("处理决定",)),),
            "2019": (("prev_count", ("上一年",)), ("change", ("增/减", "增减", "本年增")), ("decisions", ("处理决定",))),
        },
    ),
    ProactiveTable(
        "art20_6", "六",
        {"penalty": ("行政处罚",), "coercion": ("行政强制",)},
        {
            "2021": (("decisions", ("处理决定",)),),
            "2019": (("prev_count", ("上一年",)), ("change", ("增/减", "增减", "本年增")), ("decisions", ("处理决定",))),
        },
    ),
    ProactiveTable(
        "art20_8", "八",
        {"fees": ("行政事业性收费", "事业性收费")},
        {
            "2021": (("amount", ("收费金额", "金额")),),
            "2019": (("prev_count", ("上一年",)), ("change", ("增/减", "增减", "本年增"))),
        },
        money_columns=frozenset({"amount"}),
    ),
    ProactiveTable(
        "art20_9", "九",
        {"procurement": ("集中采购", "政府采购")},
        {"2019": (("projects", ("项目数量", "采购项目")), ("amount", ("总金额", "金额")))},
        money_columns=frozenset({"amount"}),
    ),
)
PROACTIVE_BY_ITEM = {t.item: t for t in PROACTIVE_TABLES}
PROACTIVE_BY_KEY = {t.key: t for t in PROACTIVE_TABLES}

#: Label cues that reveal the template. Counted as votes; the year and cited 文号 never vote.
TEMPLATE_CUES: dict[str, tuple[str, ...]] = {
    "2021": ("本年制发件数", "本年废止件数", "现行有效件数", "行政规范性文件", "逾期不补正", "缴纳费用"),
    "2019": ("本年新制作数量", "本年新公开数量", "对外公开总数量", "第二十条第（九）项", "上一年项目数量",
             "采购项目数量", "其他对外管理服务事项"),
}

#: The six narrative sections: key, canonical title, and the cues that identify a heading.
SECTIONS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("general", "总体情况", ("总体情况", "概述", "基本情况")),
    ("proactive", "主动公开政府信息情况", ("主动公开",)),
    ("applications", "收到和处理政府信息公开申请情况", ("收到和处理", "依申请", "申请情况")),
    ("review_litigation", "政府信息公开行政复议、行政诉讼情况", ("行政复议", "行政诉讼")),
    ("problems", "存在的主要问题及改进情况", ("存在的主要问题", "主要问题", "存在问题", "改进情况", "改进措施")),
    ("other", "其他需要报告的事项", ("其他需要报告", "其它需要报告", "需要报告的事项", "其他事项")),
)
SECTION_KEYS = tuple(k for k, _, _ in SECTIONS)

#: Money columns are decimals; everything else is a count.
def is_money(table: str, column: str) -> bool:
    spec = PROACTIVE_BY_KEY.get(table)
    return bool(spec and column in spec.money_columns)

#: Printed labels of the 第二十条 rows, per template (a row a template lacks has no label there).
#: The data dictionary, the exports and the browser name the proactive cells from these.
PROACTIVE_ROW_LABELS: dict[str, dict[str, str]] = {
    "regulations": {"2019": "规章", "2021": "规章"},
    "normative_docs": {"2019": "规范性文件", "2021": "行政规范性文件"},
    "licensing": {"2019": "行政许可", "2021": "行政许可"},
    "other_services": {"2019": "其他对外管理服务事项"},
    "penalty": {"2019": "行政处罚", "2021": "行政处罚"},
    "coercion": {"2019": "行政强制", "2021": "行政强制"},
    "fees": {"2019": "行政事业性收费", "2021": "行政事业性收费"},
    "procurement": {"2019": "政府集中采购"},
}
_DECISIONS_2019 = {"prev_count": "上一年项目数量", "change": "本年增/减", "decisions": "处理决定数量"}
#: Printed labels of the 第二十条 value columns: table -> template -> column -> label.
PROACTIVE_COLUMN_LABELS: dict[str, dict[str, dict[str, str]]] = {
    "art20_1": {"2021": {"issued": "本年制发件数", "repealed": "本年废止件数", "in_force": "现行有效件数"},
                "2019": {"new_made": "本年新制作数量", "new_published": "本年新公开数量",
                         "total_published": "对外公开总数量"}},
    "art20_5": {"2021": {"decisions": "本年处理决定数量"}, "2019": _DECISIONS_2019},
    "art20_6": {"2021": {"decisions": "本年处理决定数量"}, "2019": _DECISIONS_2019},
    "art20_8": {"2021": {"amount": "本年收费金额（万元）"},
                "2019": {"prev_count": "上一年项目数量", "change": "本年增/减"}},
    "art20_9": {"2019": {"projects": "采购项目数量", "amount": "采购总金额（万元）"}},
}
