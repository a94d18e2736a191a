"""The 出租前安全检查意见 (pre-lease safety inspection opinion) of a lease application, as a PDF.

Not a licence and not an enforcement instrument: the program is a local practice without a legal source found
(REFERENCE §C), and the document says so at its head and on every page's foot (``program.json``'s notice).
"""

from dataclasses import dataclass
from datetime import datetime

from reportlab.lib.units import mm
from reportlab.platypus import Flowable
from sqlmodel import Session, col, select

from hazards.documents.pdf import WIDTH, build, cn_date, cn_datetime, grid, para
from hazards.leasing import program
from hazards.leasing.models import LeaseApplication
from hazards.leasing.service import inspection_of
from hazards.models import Hazard
from inspection.clock import local_date
from inspection.errors import Conflict
from inspection.models import Enterprise, PlantSite, Result, Submission, Visit
from schemas.enums import ItemResult
from schemas.leasing import InspectionState, LeaseStatus

STATUS_ZH = {"open": "待整改", "submitted": "待复核", "closed": "已整改销号", "voided": "已作废"}
YES_NO = {True: "是", False: "否"}


@dataclass(frozen=True)
class Finding:
    item_code: str
    text: str
    status: str


def opinion_pdf(session: Session, application: LeaseApplication, *, now: datetime) -> bytes:
    visit = session.get(Visit, application.visit_id) if application.visit_id is not None else None
    inspection = inspection_of(session, application)
    if inspection.state in (InspectionState.NONE, InspectionState.SCHEDULED):
        raise Conflict("出租前安全检查尚未完成，暂无检查意见 / the pre-lease inspection is not done yet",
                       code="inspection_not_done", details={"inspection": inspection.state.value})
    assert visit is not None
    data = program.program()
    site = session.get(PlantSite, application.site_id)
    lessor = session.get(Enterprise, application.lessor_id)
    tenant = session.get(Enterprise, application.tenant_id)
    assert site is not None and lessor is not None and tenant is not None
    title = data.document.title
    story = [para(title, "title"), para(f"申请编号：{application.id}", "number"),
             para(f"【地方工作做法，非行政许可】{data.document.notice}", "small"), para("一、申请事项", "heading")]
    term = f"{cn_date(application.term_start)}至{cn_date(application.term_end) if application.term_end else '长期'}"
    rows = [
        ["出租方", f"{lessor.name}（{lessor.credit_code}）"],
        ["厂区", f"{site.name}　{site.address}"],
        ["承租方", f"{tenant.name}（{tenant.credit_code}）"],
        ["租赁部位／面积", f"{application.unit}／{application.area_m2:g}平方米"],
        ["拟用途", application.intended_use],
        ["租期", term],
        ["涉及粉尘涉爆／燃气／危险化学品／员工宿舍",
         "／".join(YES_NO[flag] for flag in (application.combustible_dust, application.gas,
                                             application.hazardous_chemicals, application.dormitories))],
        ["建筑", f"{'框架结构' if application.building_frame else '非框架结构'}，{application.building_storeys}层"],
    ]
    story.append(grid([[para(k, "cell"), para(v, "cell")] for k, v in rows], [50 * mm, WIDTH - 50 * mm]))
    story.append(para("二、出租前安全检查", "heading"))
    checked_at = visit.submitted_at or visit.started_at
    findings = _findings(session, visit)
    summary = (f"检查时间：{cn_datetime(checked_at) if checked_at else '—'}；检查项{_count(session, visit)}项，"
               f"不合格{len(findings)}项。")
    story.append(para(summary, "para"))
    if findings:
        table = [[para(h, "cell") for h in ("检查项", "问题", "整改情况")]]
        table += [[para(f.item_code, "cell"), para(f.text, "cell"), para(f.status, "cell")] for f in findings]
        story.append(grid(table, [22 * mm, WIDTH - 52 * mm, 30 * mm], header=True))
    verdict = "检查通过（不合格项均已整改销号）" if inspection.state == InspectionState.PASSED else \
        "检查未通过（尚有隐患未整改销号），不得批准"
    story.append(para(f"检查结论：{verdict}", "para"))
    story.append(para("三、审批意见", "heading"))
    story.extend(_decision(application))
    story.append(para(f"审批主体：{application.approver_name}", "right"))
    day = local_date(application.decided_at) if application.decided_at else local_date(now)
    story.append(para(cn_date(day), "right"))
    rules = [f"{rule.code}：{rule.reason}（{rule.source.citation}{'' if rule.source.verified else '（条款待核实）'}）"
             for rule in data.refusal_rules]
    story.append(para("附：不予批准情形（数据，附依据）", "heading"))
    story.extend(para(text, "small") for text in rules)
    footer = f"{title}（地方工作做法，非行政许可）申请编号{application.id}"
    return build(story, title=title, author=application.approver_name, footer=footer)


def _decision(application: LeaseApplication) -> list[Flowable]:
    if application.status == LeaseStatus.APPROVED:
        lines = [para("同意出租。", "para")]
        lines += [para(f"附条件{i}：{c}", "para") for i, c in enumerate(application.conditions, 1)]
        return lines
    if application.status == LeaseStatus.REFUSED:
        lines = [para("不同意出租。理由：", "para")]
        for i, reason in enumerate(application.reasons, 1):
            source = f"（依据：{reason['source']}）" if reason.get("source") else ""
            lines.append(para(f"{i}．{reason['reason']}{source}", "para"))
        return lines
    return [para("尚未作出审批决定。", "para")]


def _findings(session: Session, visit: Visit) -> list[Finding]:
    hazards = session.exec(select(Hazard).where(Hazard.visit_id == visit.id).order_by(col(Hazard.id))).all()
    return [Finding(h.item_code, h.description, STATUS_ZH.get(h.status.value, h.status.value)) for h in hazards
            if h.status.value != "voided"]


def _count(session: Session, visit: Visit) -> int:
    current = session.exec(select(Submission.id).where(Submission.visit_id == visit.id,
                                                       col(Submission.is_current).is_(True))).first()
    if current is None:
        return 0
    return len(session.exec(select(Result.id).where(Result.submission_id == current,
                                                    Result.outcome != ItemResult.NOT_APPLICABLE)).all())
