"""Demo data for a newcomer's first ``make run``: idempotent, re-running it changes nothing."""

import random
from datetime import date

from sqlmodel import Session, select

from inspection.identity.accounts import hash_password
from inspection.models import Department, Enterprise, PlantSite, PlantSiteTenant, User
from inspection.registry.creditcode import ALPHABET, check_character
from inspection.types import utcnow
from schemas.enums import Role
from server.demo import campaigns as demo_campaigns
from server.demo import closed_campaign as demo_closed_campaign
from server.demo import grid as demo_grid

PASSWORD = "demo1234"

DEPARTMENTS = [
    # code, name, priority (lower leads a joint visit), working-day deadlines
    ("应急", "常州国家高新区（新北区）应急管理局", 10, False),
    ("消防", "新北区消防救援大队", 20, False),
    ("住建", "新北区住房和城乡建设局（燃气）", 30, False),
    ("市监", "新北区市场监督管理局", 40, False),
]

STREETS = ["三井街道", "河海街道", "新桥街道", "薛家镇", "罗溪镇", "春江街道", "孟河镇", "西夏墅镇"]

# name, industry, risk, dust_kind, gas_supply, gas_role
ENTERPRISES: list[tuple[str, str, str, str | None, str | None, str]] = [
    ("常州华铝精密制造有限公司", "metal_processing", "D", "aluminium_magnesium", None, "user"),
    ("常州镁捷合金科技有限公司", "metal_processing", "D", "aluminium_magnesium", "pipeline", "user"),
    ("常州恒木家具有限公司", "woodworking", "C", "wood", None, "user"),
    ("新北区森艺木业加工厂", "woodworking", "C", "wood", None, "user"),
    ("常州金穗粮油食品有限公司", "food", "C", "grain", "pipeline", "user"),
    ("常州塑源新材料有限公司", "plastics", "C", "plastic", None, "user"),
    ("常州纺锦纺织品有限公司", "textile", "B", "textile", None, "user"),
    ("常州钢锐五金制品有限公司", "metal_processing", "C", "other_metal", None, "user"),
    ("常州禾丰饲料有限公司", "food", "B", "grain", None, "user"),
    ("常州亮铝表面处理有限公司", "metal_processing", "D", "aluminium_magnesium", None, "user"),
    ("老常州面馆（三井店）", "catering", "B", None, "lpg", "user"),
    ("河海路川味小炒", "catering", "C", None, "lpg", "user"),
    ("新桥人家大酒店", "catering", "B", None, "pipeline", "user"),
    ("薛家镇春来饭庄", "catering", "C", None, "both", "user"),
    ("罗溪农家菜馆", "catering", "B", None, "lpg", "user"),
    ("春江美食城餐饮管理有限公司", "catering", "B", None, "pipeline", "user"),
    ("常州味佳食品有限公司", "food", "B", None, "pipeline", "user"),
    ("常州炉达热处理有限公司", "machinery", "C", None, "pipeline", "user"),
    ("新北区安顺液化气供应站", "gas_supply", "D", None, "lpg", "operator"),
    ("常州港华燃气新北调压站", "gas_supply", "C", None, "pipeline", "operator"),
    ("常州新龙创业园管理有限公司", "property", "C", None, None, "user"),
    ("常州精工电子元件有限公司", "electronics", "B", None, None, "user"),
    ("常州迅达物流有限公司", "logistics", "A", None, None, "user"),
    ("常州彩印包装有限公司", "printing", "B", "other", None, "user"),
    ("常州顺丰模具有限公司", "machinery", "B", None, None, "user"),
    ("常州汇通实业发展有限公司", "property", "B", None, None, "user"),
    ("常州佳美塑业有限公司", "plastics", "C", "plastic", None, "user"),
    ("常州明辉照明器材有限公司", "electronics", "A", None, None, "user"),
    ("常州锦程机械配件厂", "machinery", "B", "other_metal", None, "user"),
    ("常州优品木门有限公司", "woodworking", "C", "wood", "lpg", "user"),
    ("常州新材喷涂有限公司", "chemical", "C", None, None, "user"),
    ("常州宏运仓储服务有限公司", "logistics", "A", None, None, "user"),
    ("常州华达机电设备有限公司", "machinery", "A", None, None, "user"),
    ("常州恒泰纸制品有限公司", "printing", "B", "other", None, "user"),
    ("常州瑞丰饮料有限公司", "food", "A", None, "pipeline", "user"),
    ("孟河汽配工业有限公司", "machinery", "B", "other_metal", None, "user"),
    ("西夏墅工具制造有限公司", "metal_processing", "C", "other_metal", None, "user"),
    ("常州天宁小厨餐饮店", "catering", "C", None, "lpg", "user"),
    ("常州东方织造有限公司", "textile", "A", None, None, "user"),
    ("常州卓越新能源科技有限公司", "electronics", "B", None, None, "user"),
]

# plant sites: (name, landlord index, tenant indices)
PLANT_SITES = [
    ("新龙创业园（厂中厂）", 20, [2, 5, 21, 23, 30]),
    ("汇通工业园三号厂房", 25, [7, 24, 26, 28]),
]
GREEN = {22, 27, 32, 38}  # indices of green-listed enterprises


def demo_credit_code(index: int) -> str:
    rng = random.Random(f"xuncha-demo-{index}")
    body = "".join(rng.choice(ALPHABET[:10]) for _ in range(9))
    base = "91320411" + body
    return base + check_character(base)


def _ensure_departments(session: Session) -> dict[str, Department]:
    out: dict[str, Department] = {}
    for code, name, priority, working_days in DEPARTMENTS:
        dept = session.exec(select(Department).where(Department.code == code)).first()
        if dept is None:
            dept = Department(code=code, name=name, priority=priority, working_days=working_days)
            session.add(dept)
            session.flush()
        out[code] = dept
    return out


def _ensure_enterprises(session: Session) -> list[Enterprise]:
    now = utcnow()
    result = []
    for i, (name, industry, risk, dust_kind, gas_supply, gas_role) in enumerate(ENTERPRISES):
        code = demo_credit_code(i)
        enterprise = session.exec(select(Enterprise).where(Enterprise.credit_code == code)).first()
        if enterprise is None:
            rng = random.Random(i)
            street = STREETS[i % len(STREETS)]
            enterprise = Enterprise(
                name=name, credit_code=code, street=street, address=f"常州市新北区{street}{rng.randint(1, 300)}号",
                latitude=round(31.83 + rng.uniform(-0.08, 0.08), 6),
                longitude=round(119.97 + rng.uniform(-0.08, 0.08), 6),
                industry=industry, risk_class=risk, dust_involved=dust_kind is not None, dust_kind=dust_kind,
                gas_user=gas_supply is not None, gas_supply=gas_supply, gas_role=gas_role,
                green_listed=i in GREEN,
                green_valid_from=date(2026, 1, 1) if i in GREEN else None,
                green_valid_to=date(2027, 12, 31) if i in GREEN else None,
                contact_name=f"联系人{i + 1:02d}", contact_phone=f"1381234{i:04d}",
                created_at=now, updated_at=now,
            )
            session.add(enterprise)
            session.flush()
        result.append(enterprise)
    return result


def _ensure_sites(session: Session, enterprises: list[Enterprise]) -> None:
    for name, landlord, tenants in PLANT_SITES:
        if session.exec(select(PlantSite).where(PlantSite.name == name)).first():
            continue
        owner = enterprises[landlord]
        site = PlantSite(name=name, address=owner.address, street=owner.street, latitude=owner.latitude,
                         longitude=owner.longitude, landlord_id=owner.id)
        session.add(site)
        session.flush()
        for t in tenants:
            session.add(PlantSiteTenant(site_id=site.id, enterprise_id=enterprises[t].id, start_date=date(2024, 3, 1)))


def _ensure_user(session: Session, username: str, full_name: str, role: Role, *, fast_hash: bool,
                 department: Department | None = None, enterprise: Enterprise | None = None,
                 cert_no: str | None = None) -> None:
    if session.exec(select(User).where(User.username == username)).first():
        return
    session.add(User(
        username=username, full_name=full_name, role=role, password_hash=hash_password(PASSWORD, fast=fast_hash),
        department_id=department.id if department else None, enterprise_id=enterprise.id if enterprise else None,
        cert_no=cert_no,
    ))


INSPECTORS = {  # department code -> [(username, name)]; two per department: an order needs two officers
    "应急": [("inspector", "王建国"), ("yingji2", "李明")],
    "消防": [("xiaofang1", "张伟"), ("xiaofang2", "赵磊")],
    "住建": [("zhujian1", "陈静"), ("zhujian2", "周强")],
    "市监": [("shijian1", "孙丽"), ("shijian2", "吴刚")],
}


def demo_enterprise_id(session: Session) -> int:
    """The enterprise the demo's enterprise login belongs to."""
    enterprise_id = session.exec(select(User.enterprise_id).where(User.username == "enterprise")).one()
    assert enterprise_id is not None
    return enterprise_id


def load(session: Session, *, fast_hash: bool = False) -> list[tuple[str, str]]:
    """Create the demo world if missing. Returns the demo logins (username, role)."""
    departments = _ensure_departments(session)
    enterprises = _ensure_enterprises(session)
    _ensure_sites(session, enterprises)
    _ensure_user(session, "admin", "系统管理员", Role.ADMIN, fast_hash=fast_hash)
    _ensure_user(session, "office", "安委办 刘芳", Role.OFFICE, fast_hash=fast_hash)
    for n, (code, people) in enumerate(INSPECTORS.items()):
        for m, (username, name) in enumerate(people):
            _ensure_user(session, username, name, Role.INSPECTOR, fast_hash=fast_hash,
                         department=departments[code], cert_no=f"32041100{n}{m}{n + m:02d}")
    _ensure_user(session, "enterprise", "华铝 安全员 钱芳", Role.ENTERPRISE, fast_hash=fast_hash,
                 enterprise=enterprises[0])
    _ensure_user(session, "lessor", "新龙创业园 安全主管 徐静", Role.ENTERPRISE, fast_hash=fast_hash,
                 enterprise=enterprises[PLANT_SITES[0][1]])  # the landlord: its lease applications (先验后批)
    session.flush()
    demo_campaigns.load(session, now=utcnow())
    demo_closed_campaign.load(session, now=utcnow())
    logins = [("admin", "admin"), ("office", "office"), ("inspector", "inspector (应急)"),
              ("enterprise", f"enterprise ({enterprises[0].name})"),
              ("lessor", f"enterprise, lessor ({enterprises[PLANT_SITES[0][1]].name})")]
    logins += [(u, f"inspector ({code})") for code, people in INSPECTORS.items() for u, _ in people
               if u != "inspector"]
    logins += demo_grid.load(session, password=PASSWORD, now=utcnow(), fast_hash=fast_hash)
    return logins
