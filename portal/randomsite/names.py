"""The vocabulary random portals draw from: real variants of menu, column and title phrasings
seen on Chinese government portals (domain-notes §5), region and agency names. Data only."""
from __future__ import annotations

REGION_HEADS = "清安平永丰宁泰和兴隆昌盛华阳青松云河溪桥新东西南北长福德广利"
REGION_TAILS = "县区市"
TOWN_SUFFIXES = ("镇人民政府", "乡人民政府", "街道办事处")
DEPARTMENTS = (
    "发展和改革局", "教育局", "科学技术局", "工业和信息化局", "公安局", "民政局", "司法局", "财政局",
    "人力资源和社会保障局", "自然资源和规划局", "生态环境局", "住房和城乡建设局", "交通运输局", "水利局",
    "农业农村局", "商务局", "文化广电和旅游局", "卫生健康委员会", "退役军人事务局", "应急管理局", "审计局",
    "市场监督管理局", "统计局", "医疗保障局", "林业局", "城市管理局", "行政审批局", "人民政府办公室",
)

# home navigation → the 政务公开 hub (61号文: built on the existing 政务公开/政府信息公开 column)
HUB_NAMES = ("政务公开", "政府信息公开", "信息公开", "公开目录", "政务信息公开")
PLATFORM_NAMES = ("政府信息公开", "政府信息公开平台", "信息公开目录", "法定公开")
# the report column
COLUMN_NAMES = ("政府信息公开年报", "政府信息公开年度报告", "信息公开年报", "政府信息公开工作年度报告",
                "年度报告", "工作年报", "政务公开年报")
HUB_SLUGS = ("zwgk", "xxgk", "zfxxgk", "gkml", "govxxgk", "openness", "c100")
COLUMN_SLUGS = ("zfxxgknb", "xxgknb", "gknb", "ndbg", "nb", "zfxxgkndbg", "col_nb", "c1024")
UNIT_SUBCOLUMNS = (("政府年报", "zfnb"), ("部门年报", "bmnb"), ("乡镇（街道）年报", "xznb"))

# other columns of a hub or platform page: (name, slug, article titles with {region}/{year})
OTHER_COLUMNS = (
    ("通知公告", "tzgg", ("关于做好{year}年度政府信息公开工作年度报告编制和发布工作的通知",
                      "关于{year}年春节放假安排的通知", "{region}关于开展政务公开工作培训的通知")),
    ("政策解读", "zcjd", ("一图读懂《{region}人民政府{year}年政府信息公开工作年度报告》",
                      "《{region}人民政府{year}年政府信息公开工作年度报告》解读",
                      "图解：{region}{year}年政府工作报告")),
    ("财政预决算", "czyjs", ("{region}{year}年财政预算公开", "{region}{year}年度部门决算公开",
                       "{region}财政局{year}年度部门预算")),
    ("统计信息", "tjxx", ("{region}{year}年国民经济和社会发展统计公报", "{region}{year}年统计年报")),
    ("政府工作报告", "zfgzbg", ("{year}年{region}人民政府工作报告", "{region}{year}年政府工作报告")),
    ("法治政府建设", "fzzf", ("{region}{year}年法治政府建设年度报告", "{region}人民政府{year}年度法治政府建设情况报告")),
    ("政府信息公开指南", "gkzn", ("{region}人民政府政府信息公开指南",)),
    ("政府信息公开制度", "gkzd", ("{region}政府信息公开工作制度",)),
    ("法定主动公开内容", "fdzdgk", ("{region}机构职能", "{region}规划信息")),
)
HOME_NAV_NOISE = (("首页", ""), ("走进{region}", "zj"), ("新闻中心", "xwzx"), ("政务服务", "zwfw"),
                  ("互动交流", "hdjl"), ("专题专栏", "ztzl"))

# noise items inside the report column itself (report-like titles that are not reports)
COLUMN_NOISE = (
    "一图读懂{agency}{year}年政府信息公开工作年度报告",
    "图解：{agency}{year}年政府信息公开工作年度报告",
    "《{agency}{year}年政府信息公开工作年度报告》政策解读",
    "{agency}政府信息公开指南",
    "关于做好{year}年度政府信息公开工作年度报告编制发布工作的通知",
    "{agency}{year}年法治政府建设年度报告",
)

# how a report's title is phrased in a list (the document's own title stays the standard one)
TITLE_FORMS = (
    "{agency}{year}年政府信息公开工作年度报告",
    "{agency}{year}年度政府信息公开工作年度报告",
    "{year}年{agency}政府信息公开工作年度报告",
    "{agency}政府信息公开工作年度报告（{year}年度）",
    "{agency}{year}年政府信息公开年报",
    "{agency}{year}年度报告",
    "{agency}关于{year}年度政府信息公开工作情况的报告",
)
# the last form is recognised by content only
CONTENT_ONLY_FORM = TITLE_FORMS[-1]
