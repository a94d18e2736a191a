"""The cast of every API test: who can do what (healthchecks' alice/bob/charlie)."""

from dataclasses import dataclass, field

from sqlmodel import Session

from inspection.models import Department, Enterprise, PlantSite, User
from inspection.types import utcnow
from schemas.enums import Role
from server.auth import issue_token
from tests import factories


@dataclass
class World:
    safety: Department
    fire: Department
    gas: Department
    enterprise_a: Enterprise
    enterprise_b: Enterprise
    landlord: Enterprise
    tenants: list[Enterprise]
    site: PlantSite
    users: dict[str, User] = field(default_factory=dict)

    def headers(self, name: str) -> dict[str, str]:
        token, _ = issue_token(self.users[name], now=utcnow())
        return {"Authorization": f"Bearer {token}"}


def build(session: Session) -> World:
    safety = factories.make_department(session, "应急", priority=10)
    fire = factories.make_department(session, "消防", priority=20)
    gas = factories.make_department(session, "住建", priority=30)
    a = factories.make_enterprise(session, name="甲铝业有限公司", dust_involved=True,
                                  dust_kind="aluminium_magnesium", street="三井街道", risk_class="D")
    b = factories.make_enterprise(session, name="乙餐饮店", gas_user=True, gas_supply="lpg", industry="catering",
                                  street="河海街道", risk_class="C")
    landlord = factories.make_enterprise(session, name="丙园区管理公司", industry="property")
    tenants = [factories.make_enterprise(session, name=f"承租企业{i}") for i in range(3)]
    site = factories.make_site(session, landlord, tenants)
    world = World(safety, fire, gas, a, b, landlord, tenants, site)
    make = factories.make_user
    world.users = {
        "admin": make(session, "admin", Role.ADMIN),
        "office": make(session, "office", Role.OFFICE),
        "inspector": make(session, "inspector", Role.INSPECTOR, department_id=safety.id, cert_no="32041100001"),
        "inspector2": make(session, "inspector2", Role.INSPECTOR, department_id=safety.id, cert_no="32041100002"),
        "uncertified": make(session, "uncertified", Role.INSPECTOR, department_id=safety.id),
        "fire_inspector": make(session, "fire_inspector", Role.INSPECTOR, department_id=fire.id,
                               cert_no="32041100101"),
        "fire_inspector2": make(session, "fire_inspector2", Role.INSPECTOR, department_id=fire.id,
                                cert_no="32041100102"),
        "enterprise_a": make(session, "enterprise_a", Role.ENTERPRISE, enterprise_id=a.id),
        "enterprise_b": make(session, "enterprise_b", Role.ENTERPRISE, enterprise_id=b.id),
        "tenant_user": make(session, "tenant_user", Role.ENTERPRISE, enterprise_id=tenants[0].id),
    }
    return world
