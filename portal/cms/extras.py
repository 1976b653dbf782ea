"""The sample portal's deliberate traps on the extras site: a broken link, offsite links and a
link into the robots-disallowed area (the crawler must follow none of them)."""
from __future__ import annotations

from typing import TYPE_CHECKING

from portal.cms.base import esc

if TYPE_CHECKING:
    from portal.cms import Context

OFFSITE_PATH = "/offsite/jiangsu/2022.html"  # linked as http://localhost:{port}… — another host name
OFFSITE_INVALID = "http://www.example.gov.cn.invalid/zfxxgk/ndbg/index.html"
PRIVATE_INDEX = "/private/drafts/index.html"


def extras_html(ctx: Context) -> str:
    """The "相关链接" box on the extras site's column page: one 404, two offsite links and a link
    into the robots-disallowed /private/ area."""
    links = [
        ("./zfnb/202202/t20220210_404404.html", "淮宁市2021年政府信息公开工作年度报告图解"),
        (f"http://localhost:{ctx.port}{OFFSITE_PATH}", "江苏省人民政府2022年政府信息公开工作年度报告"),
        (OFFSITE_INVALID, "省政府信息公开年报专栏"),
        (PRIVATE_INDEX, "年报草稿（内部）"),
    ]
    lis = "".join(f'<li><a href="{esc(h)}" target="_blank">{esc(t)}</a></li>' for h, t in links)
    return f'<div class="box"><h3>相关链接</h3><ul class="list">{lis}</ul></div>'
