"""Narrative text for the sample portal's reports, varied enough that two clean reports never look
alike (the monitor's 内容雷同 check, W4, must fire only where the truth plants a copy) and
stating the table numbers exactly (W3 must fire only where the truth plants a mismatch).

Sentences are drawn from pools by a per-report seed; a report that copies last year's text is
simply generated again with last year's seed and this year's facts. Sentences that are not
facts avoid the verbs and units the extractor reads as facts (收到…申请N件, 答复N件, 行政复议N件).
"""
from __future__ import annotations

import random
from dataclasses import dataclass

#: topics per kind of agency, matched by a word of its name (first match wins)
_TOPICS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("教育", ("招生入学", "学生资助", "教育收费", "校园安全", "义务教育优质均衡", "教师招聘")),
    ("公安", ("户籍办理", "出入境证件", "道路交通管理", "治安行政许可", "警务公开", "打击电信网络诈骗")),
    ("财政", ("预决算公开", "政府债务", "惠民惠农补贴", "政府采购", "财政资金直达", "国有资产报告")),
    ("自然资源", ("国土空间规划", "土地征收", "不动产登记", "矿业权出让", "耕地保护", "地质灾害防治")),
    ("生态环境", ("环境影响评价", "排污许可", "环境质量状况", "环境执法", "突发环境事件", "污染防治攻坚")),
    ("住房", ("保障性住房", "工程建设项目审批", "老旧小区改造", "房屋征收", "建筑市场监管", "物业管理")),
    ("交通", ("公路建设", "道路运输", "交通执法", "农村公路", "公交出行", "港航管理")),
    ("卫生健康", ("医疗机构执业", "疫情防控", "公共卫生服务", "计划生育奖励扶助", "医疗质量", "健康促进")),
    ("市场监督", ("双随机一公开", "食品安全抽检", "特种设备安全", "企业登记注册", "价格监督检查", "知识产权")),
    ("发展和改革", ("重大项目建设", "价格管理", "粮食储备", "营商环境", "社会信用体系", "节能审查")),
    ("人力资源", ("就业创业", "社会保险", "人才引进", "劳动保障监察", "职业技能培训", "工资待遇")),
    ("医疗保障", ("医保基金监管", "药品集中采购", "异地就医结算", "医疗救助", "医保目录", "长期护理保险")),
    ("民政", ("社会救助", "养老服务", "婚姻登记", "社会组织管理", "殡葬改革", "儿童福利")),
    ("司法", ("法律援助", "人民调解", "公共法律服务", "普法宣传", "社区矫正", "行政执法监督")),
    ("农业", ("惠农补贴", "高标准农田", "农产品质量安全", "乡村振兴", "动物防疫", "农村宅基地")),
    ("文化", ("文化惠民", "文物保护", "旅游市场监管", "全民健身", "广播电视", "非遗保护")),
    ("应急", ("安全生产", "防汛抗旱", "应急预案", "灾害救助", "危险化学品监管", "森林消防")),
    ("城市管理", ("市容环境", "违法建设治理", "垃圾分类", "燃气安全", "户外广告", "城市照明")),
    ("林业", ("森林防火", "林木采伐", "古树名木保护", "生态公益林", "野生动物保护", "林长制")),
    ("水务", ("河长制", "供水保障", "水利工程建设", "水资源管理", "防洪排涝", "农村饮水安全")),
    ("镇", ("村务公开", "惠民资金发放", "最低生活保障", "征地补偿", "人居环境整治", "乡村治理")),
    ("街道", ("社区事务", "居民服务", "最低生活保障", "老旧小区改造", "基层治理", "退役军人服务")),
    ("人民政府", ("重大决策预公开", "政策解读", "政务服务", "财政资金", "重大建设项目", "公共资源配置")),
)
_DEFAULT_TOPICS = ("政策文件", "行政执法", "财政资金", "公共服务", "重点项目", "民生实事")

_OPEN = (
    "{year}年，{agency}深入贯彻党中央、国务院关于全面推进政务公开的决策部署，以公开促落实、促规范、促服务。",
    "{year}年，{agency}按照上级政务公开工作要点要求，结合自身职能，全面提升政府信息公开质效。",
    "{year}年以来，{agency}坚持把政府信息公开作为转变作风、服务群众的重要举措，不断拓展公开领域。",
    "{year}年，{agency}以习近平新时代中国特色社会主义思想为指导，认真贯彻落实《中华人民共和国政府信息公开条例》，坚持以公开为常态、不公开为例外。",
    "{year}年，{agency}在上级主管部门的指导下，紧紧围绕中心工作，扎实推进政府信息公开，不断提升政务透明度。",
    "{year}年，{agency}严格执行《中华人民共和国政府信息公开条例》和上级关于政务公开工作的部署要求，把政务公开作为建设法治政府的重要抓手。",
    "{year}年度，{agency}坚持问题导向和需求导向，聚焦群众关切，持续深化决策、执行、管理、服务、结果“五公开”。",
    "{year}年，{agency}将政府信息公开工作纳入年度重点工作，主要负责同志亲自过问，分管负责同志具体抓落实。",
    "{year}年，{agency}对照政务公开工作要点，逐项分解任务、压实责任，推动政府信息公开工作提质增效。",
)
_PROACTIVE = (
    "全年通过门户网站主动公开政府信息{published}条，其中政策文件{policy}条，政策解读{interp}篇。",
    "本年度在政府信息公开专栏主动公开各类政府信息{published}条，更新“{topic0}”专题信息{policy}条。",
    "依托门户网站、政务新媒体等平台主动公开政府信息{published}条，发布图解、视频等多元化解读材料{interp}篇。",
)
_TOPIC_LINES = (
    "在{topic0}领域推行清单化管理，公开事项目录、办理流程和监督渠道。",
    "按季度发布{topic2}工作进展，主动回应社会关注的热点问题。",
    "{topic1}相关的通知公告、工作动态在门户网站同步发布，累计更新{policy}条。",
    "围绕“{topic0}”编制公开标准目录，明确公开主体、公开时限和公开方式。",
    "全面梳理{topic2}领域基层政务公开标准，逐项落实公开要求。",
    "围绕{topic0}、{topic1}等重点领域，及时发布办事指南和工作动态，方便群众查询。",
    "聚焦{topic1}和{topic2}，细化公开内容，做到应公开尽公开。",
    "对{topic0}相关政策文件进行集中梳理，逐件标注有效性，方便公众准确获取现行政策。",
    "在{topic2}方面坚持主动公开、动态更新，接受社会监督。",
    "结合{topic1}工作实际，开设专题专栏，集中展示政策、流程和结果信息。",
    "重点做好{topic0}、{topic2}等与群众切身利益密切相关信息的公开工作。",
    "针对群众关心的{topic1}问题，通过在线访谈、新闻发布等方式及时回应关切。",
)
_HANDLING = (
    "推行依申请公开“一案一档”，答复文书统一编号、统一用印。",
    "对疑难复杂申请召开会商会，邀请法律顾问参与研究，防范法律风险。",
    "畅通网上申请、信函申请和当面申请渠道，方便群众依法提出申请。",
    "定期对依申请公开办理情况开展评查，及时纠正文书不规范问题。",
    "严格按照法定程序和期限办理依申请公开事项，规范答复文书格式，逐件审核，确保答复内容合法准确。",
    "建立依申请公开登记、承办、审核、归档全流程台账，做到件件有登记、事事有回音。",
    "对依申请公开中涉及第三方权益的事项，依法书面征求第三方意见，审慎作出处理决定。",
    "加强与申请人的沟通，对申请内容不明确的及时一次性告知补正事项，提升办理质量。",
    "完善依申请公开工作规程，明确各承办科室职责分工，落实答复前法制审核。",
)
_MANAGEMENT = (
    "对照《政府信息公开条例》要求，修订本机关政府信息公开指南，公开受理机构、地址和联系方式。",
    "建立政策文件库，集中公开本机关制发的行政规范性文件并标注有效期。",
    "加强公文公开属性源头管理，拟制公文时同步提出公开、依申请公开或不予公开意见。",
    "落实政府信息发布协调机制，涉及其他机关的信息先行沟通确认。",
    "健全政府信息公开保密审查机制，严格执行“先审查、后公开”和“一事一审”制度。",
    "开展现行有效政策文件清理工作，及时调整政府信息公开目录，动态更新公开指南。",
    "落实政府信息发布三级审核制度，对拟公开信息逐条把关，防止泄密和不当公开。",
    "规范政府信息管理，对公开属性进行源头认定，在文件起草环节明确公开方式。",
    "建立政府信息公开工作台账，定期对已公开信息进行合规性检查。",
)
_PLATFORM = (
    "优化站内搜索功能，支持按文号、发布时间、关键词组合查询。",
    "规范政务新媒体账号管理，关停整合更新不及时的账号。",
    "推进政府信息公开专栏与政务服务网融合，实现办事指南“一网可查”。",
    "设置政府信息公开意见箱和咨询电话，由专人负责日常回复。",
    "持续优化门户网站政府信息公开专栏，规范栏目设置，提升信息检索便利度。",
    "加强政务新媒体管理，推动网站与政务新媒体信息同步发布、协同联动。",
    "利用政务服务大厅、公开查阅点等线下渠道，为群众提供政府信息查阅服务。",
    "完成门户网站适老化和无障碍改造，提高政府信息获取的便捷性。",
    "强化网站安全防护和内容保障，全年网站运行平稳，未发生重大安全事件。",
)
_OVERSIGHT = (
    "邀请群众代表和媒体代表参加政府开放活动{meetings}次，收集意见建议。",
    "对各科室政务公开工作开展季度通报，落实整改闭环管理。",
    "建立政务公开工作联络员队伍，明确联络员{trainings}名负责信息报送。",
    "将政府信息公开纳入干部教育培训内容，提高依法公开意识。",
    "将政务公开工作纳入年度目标考核，开展业务培训{trainings}次，不断提升工作人员业务水平。",
    "主动接受社会监督，畅通意见建议渠道，认真听取群众对政务公开工作的意见。",
    "组织开展政务公开专项自查，对发现的问题建立清单、限期整改。",
    "明确政务公开工作责任人，全年召开政务公开专题会议{meetings}次，研究部署重点任务。",
    "本年度未发生因政府信息公开工作被责任追究的情况。",
)
_APPS_SECTION = (
    "依申请公开工作总体平稳有序，未出现超期答复情况。",
    "对办理中发现的共性问题加强分析研判，推动依申请公开向主动公开转化。",
    "申请内容主要集中在{topic0}、{topic1}等方面。",
    "对申请人提出的咨询类诉求，耐心做好解释说明和政策引导。",
)
_REVIEW_SECTION = (
    "认真做好因政府信息公开引起的行政复议、行政诉讼应对工作，依法履行答复举证义务。",
    "对被纠错的案件认真分析原因，举一反三，进一步规范答复行为。",
    "加强与复议机关、人民法院的沟通联系，及时履行生效法律文书。",
)
_PROBLEMS = (
    "一是{topic2}领域公开标准化规范化水平不高；二是部分信息公开不够及时；三是政策解读质量参差不齐。",
    "存在的不足主要有：信息公开的主动性有待增强，与群众的互动交流还不够充分，网站部分栏目内容较少。",
    "当前工作中还有薄弱环节，如{topic1}相关数据开放程度不高、依申请公开办理人员力量不足等。",
    "一是政策解读的形式还不够丰富，解读质量有待提升；二是部分栏目信息更新不够及时；三是工作人员业务能力还需加强。",
    "一是主动公开的深度和广度还需拓展；二是依申请公开答复的规范性有待进一步提高；三是基层政务公开标准化建设仍有差距。",
    "工作中还存在一些不足：公开内容与群众需求的契合度还不够高，政务新媒体互动回应不够及时。",
    "对照上级要求，在{topic0}领域信息公开的完整性、{topic1}领域信息的时效性方面还存在短板。",
    "存在的主要问题是信息公开的精准度不够，部分公开信息可读性不强，群众获取便利度有待提高。",
)
_MEASURES = (
    "将持续完善政务公开制度体系，推动公开工作规范化、标准化、常态化。",
    "将围绕{topic1}、{topic2}等群众关注事项，进一步加大公开力度，提升透明度。",
    "下一步将加强依申请公开办理队伍建设，配齐配强工作人员，提升答复质量。",
    "将健全信息发布审核机制，完善栏目巡检制度，切实提高信息发布时效。",
    "下一步，将加强业务培训，健全常态化学习机制，提高工作人员政策水平和业务能力。",
    "下一步，将围绕{topic0}等重点领域拓展公开内容，做到决策、执行、管理、服务、结果全过程公开。",
    "针对存在的问题，将完善考核评估机制，强化督促检查，确保各项任务落到实处。",
    "将进一步丰富政策解读形式，综合运用图解、视频、问答等方式，增强解读实效。",
    "将加强对政务公开栏目的日常巡查，及时更新信息，确保内容准确、完整、规范。",
)
_OTHER = (
    "本年度未收取信息处理费。",
    "依据《政府信息公开信息处理费管理办法》，本年度未向申请人收取信息处理费。",
    "本机关本年度未发生收取信息处理费的情况，无其他需要报告的事项。",
)
_OTHER_EXTRA = (
    "认真落实年度政务公开工作要点，各项任务均已按期完成。",
    "人大代表建议和政协提案办理结果已按要求在门户网站公开。",
    "积极开展政府开放日活动，邀请群众代表走进机关、参与监督。",
)


@dataclass(frozen=True)
class Facts:
    """The numbers the text states; each is compared with the tables by the monitor (W3)."""

    received: int
    carried_over: int
    handled: int
    review: int
    review_corrected: int
    litigation: int


def topics_for(agency: str) -> tuple[str, ...]:
    for word, topics in _TOPICS:
        if word in agency:
            return topics
    return _DEFAULT_TOPICS


def _pick(rng: random.Random, pool: tuple[str, ...], k: int) -> list[str]:
    return rng.sample(pool, k)


def narrative(seed: str, agency: str, year: int, facts: Facts, period_year: int | None = None,
              with_period: bool = True) -> dict[str, str]:
    """The six sections' text. ``period_year`` (default ``year``) is the year the 统计期限 sentence
    names — a different one is the stale copy the monitor reports as W5."""
    rng = random.Random(seed)
    tp = list(topics_for(agency))
    rng.shuffle(tp)
    nums = {"published": rng.randint(40, 3000), "policy": rng.randint(1, 60), "interp": rng.randint(1, 25),
            "trainings": rng.randint(1, 6), "meetings": rng.randint(1, 4)}
    ctx = {"agency": agency, "year": year, "topic0": tp[0], "topic1": tp[1], "topic2": tp[2], **nums}

    def fill(lines: list[str]) -> str:
        return "".join(line.format(**ctx) for line in lines)

    general = [rng.choice(_OPEN).format(**ctx) + _received_sentence(rng, facts)]
    if with_period:
        py = year if period_year is None else period_year
        general.append(f"本报告中所列数据的统计期限自{py}年1月1日起至{py}年12月31日止。")
    general.append("（一）主动公开。" + fill([rng.choice(_PROACTIVE)] + _pick(rng, _TOPIC_LINES, 2)))
    general.append("（二）依申请公开。" + fill(_pick(rng, _HANDLING, 2)))
    general.append("（三）政府信息管理。" + fill(_pick(rng, _MANAGEMENT, 2)))
    general.append("（四）政府信息公开平台建设。" + fill(_pick(rng, _PLATFORM, 2)))
    general.append("（五）监督保障。" + fill(_pick(rng, _OVERSIGHT, 2)))
    review = _review_sentence(facts) + fill(_pick(rng, _REVIEW_SECTION, 1))
    return {
        "general": "\n".join(general),
        "proactive": fill(_pick(rng, _TOPIC_LINES, 1)),
        "applications": fill(_pick(rng, _APPS_SECTION, 2)),
        "review_litigation": review,
        "problems": fill([rng.choice(_PROBLEMS)]) + "\n" + fill(_pick(rng, _MEASURES, 2)),
        "other": fill([rng.choice(_OTHER)] + _pick(rng, _OTHER_EXTRA, 1)),
    }


def _received_sentence(rng: random.Random, f: Facts) -> str:
    verb = rng.choice(("收到", "共收到", "受理", "新收"))  # drawn always: a copied text stays a copy
    if f.received == 0 and f.carried_over == 0:
        return "本年度未收到政府信息公开申请。"
    s = f"本年度{verb}政府信息公开申请{f.received}件"
    if f.carried_over:
        s += f"，上年结转{f.carried_over}件"
    return s + f"，办结{f.handled}件。"


def _review_sentence(f: Facts) -> str:
    if f.review == 0 and f.litigation == 0:
        return "本年度未发生因政府信息公开工作引起的行政复议和行政诉讼。"
    s = f"本年度因政府信息公开工作被申请行政复议{f.review}件"
    if f.review_corrected:
        s += f"，其中结果纠正{f.review_corrected}件"
    return s + f"；被提起行政诉讼{f.litigation}件。"
