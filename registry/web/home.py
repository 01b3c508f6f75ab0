"""Where staff land after signing in: who they are, and a link to each part of the console their role may use."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, render_template, url_for

from registry import db
from registry.http.access import current_caller, may_call, staff
from registry.services import reference

bp = Blueprint("home", __name__, url_prefix="/console")


@dataclass(frozen=True)
class Part:
    """One part of the console: the page's endpoint, its name and what it is for."""

    endpoint: str
    title: str
    purpose: str


# In the order a member of staff reaches for them; each is offered only when its page's access rule admits the role.
PARTS = (
    Part("console.index", "事项与交接列表", "查找事项，查看和办理交接，批量操作。"),
    Part("public.changes", "清单变化",
         "按决定的施行日期，查看两个日期之间新增、移出和调整的事项；列表的“清单日期”可看某一天的清单。"),
    Part("rectifications.index", "逾期未整改", "监管中要求整改、已过截止日期仍未办结的问题。"),
    Part("volumes.console_page", "办件量统计", "按月份、市级指导部门和事项查看受理量和办结量，导出统计表。"),
    Part("evaluation_pages.console_page", "事项评估",
         "按年度查看各事项的办件量、整改和自动提示，记录保留、调整或建议收回的结论，导出汇总表和调整建议。"),
    Part("offices.index", "部门与承接机构", "维护公众看到的地址、电话和办公时间，导入联系信息表，新增承接机构。"),
    Part("calendars.index", "工作日历", "查看已载入的节假日和调休安排。"),
    Part("auditor.trail", "审计记录", "查阅每一项修改的记录，导出并校验审计链。"),
)


@bp.get("/home")
@staff
def index():
    """The signed-in user's name, role (and department), and the parts of the console the access rules let them open."""
    caller = current_caller()
    links = [(url_for(p.endpoint), p) for p in PARTS if may_call(p.endpoint, caller)]
    department = reference.get_department(db.session(), caller.department_id) if caller.department_id else None
    return render_template("console/home.html", caller=caller, links=links, department=department)
