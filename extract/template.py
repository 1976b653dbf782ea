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


# --- the template as a grammar: header cues, synonyms and identities (read by extract.grammar
# --- and extract.tables; a new label variant is a line here, never a code branch)

#: The template assumed where a document shows neither (the one in force since 2021).
DEFAULT_TEMPLATE = "2021"
#: Rows whose printed label is a bare word that names them only under their group heading
#: (3.其他 under （六）其他处理); elsewhere the word is a column header or part of another label.
BARE_ROW_LABELS: dict[str, str] = {"other.other": "其他"}
#: Proactive rows that exist only in some templates (其他对外管理服务事项 was dropped in 2021).
PROACTIVE_ROW_TEMPLATES: dict[tuple[str, str], tuple[str, ...]] = {("art20_5", "other_services"): ("2019",)}


def proactive_rows(spec: "ProactiveTable", template: str) -> list[str]:
    """The rows a 第二十条 table has in ``template``."""
    return [r for r in spec.rows if template in PROACTIVE_ROW_TEMPLATES.get((spec.key, r), TEMPLATES)]


#: Applicant column headers and their synonyms (社会组织 for 社会公益组织 …).
APPLICANT_HEADER_SYNONYMS: dict[str, str] = {
    "自然人": "natural_person", "商业企业": "commercial", "科研机构": "research",
    "社会公益组织": "social_welfare", "社会组织": "social_welfare", "公益组织": "social_welfare",
    "法律服务机构": "legal_service", "其他": "other_org", "其他组织": "other_org", "总计": "total",
}
#: Applicant columns whose header may stand anywhere in the header rows (总计 spans both header
#: rows and is printed beside 法人或其他组织, before the organisations it totals).
APPLICANT_HEADER_ANYWHERE: frozenset[str] = frozenset({"total"})
#: Header words of the applications table that name no column (a spanning header, the note).
APPLICANT_HEADER_NOISE: tuple[str, ...] = ("法人或其他组织", "申请人情况", "勾稽关系", "本年度办理结果", "信息内容")
#: Section headings inside the table part of a report (they start a table, they name no cell).
TABLE_SECTION_HEADINGS: tuple[str, ...] = ("主动公开政府信息情况", "收到和处理政府信息公开申请情况")
#: Cues that open the applications table (a header row without numbers).
APPLICATION_TABLE_CUES: tuple[str, ...] = ("勾稽", "申请人情况")
#: The first data row: where a table with no header still shows it is the applications table.
APPLICATION_FIRST_ROW = "new_received"
#: Rows written only as a group heading in a template, whose own numbers are a subtotal there.
#: (（六）其他处理 is a row in 2019 and a heading over three rows in 2021.)
GROUP_ROWS: dict[str, str] = {"other": "other"}

#: Review/litigation header cues: group cues (with the index of the group) and column labels.
REVIEW_GROUP_CUES: tuple[tuple[str, int], ...] = (("复议后起诉", 2), ("未经复议直接起诉", 1), ("未经复议", 1),
                                                  ("行政复议", 0))
REVIEW_PARENT_CUES: tuple[str, ...] = ("行政诉讼",)  # spans groups 1 and 2; orders nothing
#: A header row of the review table: 行政复议 with one of these in the same row.
REVIEW_HEADER_CUES: tuple[str, ...] = ("行政诉讼", "结果维持")
#: Number of value cells in the review table's one data row.
REVIEW_CELLS = len(REVIEW_GROUPS) * len(REVIEW_COLUMNS)

#: A proactive table's header row starts with this label.
PROACTIVE_HEADER_CUE = "信息内容"
#: Columns whose values may be negative (本年增/减); a negative number elsewhere is not a reading.
SIGNED_COLUMNS: frozenset[str] = frozenset({"change"})
#: The money unit the template prescribes: every amount is stored in it (one in 元 is converted, exactly).
MONEY_UNIT = "万元"
#: Units that may follow a count as written (3个, 16件).
COUNT_UNITS: tuple[str, ...] = ("件", "条", "个", "项", "次", "篇")

#: Section headings that end a table region in a text whose tables are not marked up.
TABLE_REGION_ENDS: tuple[str, ...] = ("存在的主要问题", "其他需要报告", "其它需要报告")
#: Where the tables of a text whose tables are not marked up begin: the first of these…
TABLE_REGION_STARTS: tuple[str, ...] = ("第二十条", "申请人情况", "本年新收")
#: …and the words of the last table's header (the review table's): the region runs past the last
#: of them to the next of TABLE_REGION_ENDS.
TABLE_REGION_LAST: tuple[str, ...] = ("尚未审结", "复议后起诉")
#: The words the tables start with in a report (the template vote counts labels from there on).
TABLES_START = "第二十条"
#: The heading of a 第二十条 sub-table, on normalised text (ASCII brackets): the item is ``item``.
PROACTIVE_ITEM_PATTERN = r"第二十条第?\(?(?P<item>[一二三四五六七八九十]+)\)?项"
#: Label text that opens the review/litigation table (四、政府信息公开行政复议、行政诉讼情况).
REVIEW_SECTION_CUES: tuple[str, ...] = ("政府信息公开行政复议",)

#: Cell texts that mean "nothing here" (a blank cell): dashes, slashes, 无.
BLANK_MARKERS: frozenset[str] = frozenset({"/", "-", "—", "——", "－", "–", "\\", "无", "空", "─", "-/-", "/-"})
#: Words written before a number of a signed column (本年增/减): the sign they give it (减3 is -3).
SIGN_WORDS: dict[str, str] = {"增加": "+", "减少": "-", "增": "+", "减": "-"}
#: The other money unit reports write (a value's own, or its column header's): an amount in 元 is
#: stored in 万元, the decimal point moved four places, its raw text as written.
OTHER_MONEY_UNIT = "元"


#: The monitor rule that checks each table's own row identity (named on split_by_identity problems).
ROW_IDENTITY_RULE: dict[str, str] = {"applications": "R2", "review_litigation": "R4"}


def row_identity(table: str):
    """The row's own arithmetic identity, as a function of the row's values in template order
    (the parts sum to the total), or None where the template has none."""
    if table == "applications":
        n = len(APPLICANT_COLUMNS)
        return lambda v: sum(v[: n - 1]) == v[n - 1]
    if table == "review_litigation":
        k = len(REVIEW_COLUMNS)
        return lambda v: all(sum(v[g * k: g * k + k - 1]) == v[g * k + k - 1] for g in range(len(REVIEW_GROUPS)))
    return None


#: Full label variants of rows as reports print them (the 2021 template's long labels), so that a
#: label is matched whole and words inside it (不计其他情形) are not read as other labels.
ROW_LABEL_VARIANTS: dict[str, tuple[str, ...]] = {
    "partial": ("部分公开（区分处理的，只计这一情形，不计其他情形）",),
    "denied.law_prohibited": ("其他法律行政法规禁止公开", "其他法律法规禁止公开"),
    "other.overdue_correction": ("申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请",),
    "other.overdue_fee": ("申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请",),
    "not_processed.confirm": ("要求行政机关确认或重新出具已获取信息",),
    "new_received": ("本年新收政府信息公开申请数量",),
    "carried_over": ("上年结转政府信息公开申请数量",),
    "carried_forward": ("结转下年度继续办理",),
}

def cross_row_identities(template: str) -> list[tuple[str, list[str], list[str]]]:
    """The applications table's identities across rows, per column: (name, rows summed on one
    side, rows summed on the other). R3: the outcome rows sum to （七）总计; R1: 新收 + 上年结转 =
    （七）总计 + 结转下年度."""
    outcome = [r.key for r in APPLICATION_ROWS if template in r.templates
               and r.key not in ("new_received", "carried_over", "total_handled", "carried_forward")]
    return [("R3 (the outcome rows sum to （七）总计)", outcome, ["total_handled"]),
            ("R1 (新收 + 上年结转 = （七）总计 + 结转下年度)", ["new_received", "carried_over"],
             ["total_handled", "carried_forward"])]


#: Numbers the narrative states for a cell, as (pattern on the text, cell). They never make a
#: value: they only choose between the readings of digits run together.
STATED_CELLS: tuple[tuple[str, tuple[str, str, str]], ...] = (
    (r"(?:制发|制定|出台|印发)了?(?:行政)?规范性文件共?(\d+)件", ("art20_1", "normative_docs", "issued")),
    (r"现行有效的?(?:行政)?规范性文件共?(\d+)件", ("art20_1", "normative_docs", "in_force")),
    (r"废止了?(?:行政)?规范性文件共?(\d+)件", ("art20_1", "normative_docs", "repealed")),
)

#: Traditional-Chinese forms of the characters of the template's labels (a report converted to
#: Traditional script, 總計/規章/項, reads as the template once mapped). One character to one.
TRADITIONAL: dict[str, str] = dict(zip(
    "總計規範項內數減處罰強費購採額務許門請報況結轉辦開與經復議訴審維糾當機關製廢現時無應構會體業個舉訪類複"
    "劃檔資託訊險點條發佈號產華條團區員單據證歲萬間問題並幹動變還進遲錄屬險產務節優壞護導實際審查處務稅儲險",
    "总计规范项内数减处罚强费购采额务许门请报况结转办开与经复议诉审维纠当机关制废现时无应构会体业个举访类复"
    "划档资托讯险点条发布号产华条团区员单据证岁万间问题并干动变还进迟录属险产务节优坏护导实际审查处务税储险",
))
TRADITIONAL.update({"於": "于", "於": "于", "後": "后", "為": "为", "們": "们", "統": "统", "對": "对", "權": "权",
                    "國": "国", "險": "险", "穩": "稳", "類": "类", "補": "补", "確": "确", "認": "认", "獲": "获",
                    "繳": "缴", "納": "纳", "償": "偿", "過": "过", "程": "程", "執": "执", "卷": "卷", "詢": "询",
                    "項": "项", "屬": "属", "護": "护", "第": "第", "掌": "掌", "握": "握", "沒": "没", "另": "另",
                    "內": "内", "容": "容", "仍": "仍", "確": "确", "訪": "访", "舉": "举", "報": "报", "訴": "诉",
                    "複": "复", "版": "版", "物": "物", "正": "正", "當": "当", "理": "理", "由": "由", "量": "量",
                    "反": "反", "請": "请", "錄": "录", "學": "学", "術": "术", "組": "组", "織": "织",
                    "益": "益", "律": "律", "務": "务", "處": "处", "結": "结", "轉": "转", "繼": "继", "續": "续",
                    "辦": "办", "況": "况", "勾": "勾", "稽": "稽", "係": "系", "關": "关", "項": "项", "於": "于",
                    "創": "创", "製": "制", "廢": "废", "止": "止", "現": "现", "行": "行", "效": "效", "規": "规",
                    "範": "范", "許": "许", "罰": "罚", "強": "强", "費": "费", "購": "购", "採": "采", "總": "总",
                    "額": "额", "維": "维", "糾": "纠", "審": "审", "議": "议", "經": "经", "計": "计", "數": "数",
                    "減": "减", "增": "增", "情": "情", "況": "况", "開": "开", "資": "资", "訊": "讯", "據": "据",
                    "團": "团", "區": "区", "縣": "县", "鎮": "镇", "鄉": "乡", "軍": "军", "黨": "党", "務": "务",
                    "門": "门", "戶": "户", "網": "网", "站": "站", "員": "员", "會": "会", "體": "体", "業": "业",
                    "個": "个", "應": "应", "無": "无", "與": "与", "時": "时", "機": "机", "構": "构", "發": "发",
                    "佈": "布", "號": "号", "條": "条", "產": "产", "險": "险", "點": "点", "並": "并", "單": "单",
                    "證": "证", "萬": "万", "間": "间", "問": "问", "題": "题", "動": "动", "變": "变", "還": "还",
                    "進": "进", "實": "实", "際": "际", "查": "查", "稅": "税", "備": "备", "註": "注", "說": "说",
                    "明": "明", "編": "编", "製": "制", "年": "年", "度": "度", "政": "政", "府": "府", "信": "信",
                    "息": "息", "公": "公", "報": "报", "告": "告", "營": "营", "衛": "卫", "環": "环", "境": "境",
                    "護": "护", "農": "农", "業": "业", "漁": "渔", "鹽": "盐", "電": "电", "話": "话", "傳": "传",
                    "真": "真", "郵": "邮", "遞": "递", "領": "领", "導": "导", "責": "责", "任": "任", "訂": "订",
                    "項": "项", "決": "决", "定": "定", "級": "级", "標": "标", "準": "准", "頁": "页", "圖": "图",
                    "場": "场", "價": "价", "格": "格", "質": "质", "監": "监", "督": "督", "檢": "检", "驗": "验"})
TRADITIONAL = {k: v for k, v in TRADITIONAL.items() if k != v}
