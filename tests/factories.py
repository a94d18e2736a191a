"""Plain functions that add a row, flush and return it."""

from itertools import count
from typing import Any

from sqlmodel import Session

from inspection.identity.accounts import hash_password
from inspection.models import Department, Enterprise, Photo, PlantSite, PlantSiteTenant, User
from inspection.registry.creditcode import check_character
from inspection.types import utcnow
from schemas.enums import Role

_seq = count(1)
PASSWORD = "secret-pass-1"


def credit_code(n: int | None = None) -> str:
    n = next(_seq) if n is None else n
    base = f"91320411{n:09d}"
    return base + check_character(base)


def make_department(session: Session, code: str = "应急", **overrides: Any) -> Department:
    dept = Department(code=code, name=overrides.pop("name", f"{code}部门"), **overrides)
    session.add(dept)
    session.flush()
    return dept


def make_enterprise(session: Session, **overrides: Any) -> Enterprise:
    n = next(_seq)
    now = utcnow()
    values: dict[str, Any] = {
        "name": f"测试企业{n}有限公司", "credit_code": credit_code(n), "street": "三井街道",
        "address": "常州市新北区测试路1号", "latitude": 31.83, "longitude": 119.97, "industry": "machinery",
        "risk_class": "B", "created_at": now, "updated_at": now,
    }
    values.update(overrides)
    enterprise = Enterprise(**values)
    session.add(enterprise)
    session.flush()
    return enterprise


def make_user(session: Session, username: str, role: Role, **overrides: Any) -> User:
    user = User(username=username, full_name=overrides.pop("full_name", username), role=role,
                password_hash=hash_password(overrides.pop("password", PASSWORD), fast=True), **overrides)
    session.add(user)
    session.flush()
    return user


def make_site(session: Session, landlord: Enterprise, tenants: list[Enterprise], **overrides: Any) -> PlantSite:
    site = PlantSite(name=overrides.pop("name", f"测试厂区{next(_seq)}"), landlord_id=landlord.id,
                     street=landlord.street, latitude=landlord.latitude, longitude=landlord.longitude,
                     **overrides)
    session.add(site)
    session.flush()
    for tenant in tenants:
        session.add(PlantSiteTenant(site_id=site.id, enterprise_id=tenant.id))
    session.flush()
    return site


def make_photo(session: Session, uploaded_by: User, **overrides: Any) -> Photo:
    """A photo row as the upload endpoint would leave it (the file itself is not needed for visit tests)."""
    n = next(_seq)
    photo = Photo(client_uuid=f"00000000-0000-4000-8000-{n:012d}", sha256=f"{n:064x}", verify_code=f"T{n:07d}",
                  content_type="image/jpeg", size_bytes=1000, width=640, height=480, uploaded_by=uploaded_by.id,
                  **overrides)
    session.add(photo)
    session.flush()
    return photo


def gas_officers(session: Session, world: Any) -> Any:
    """Two certified inspectors of 住建（燃气） in the test world (``gas_inspector1``/``2``), committed."""
    for n in (1, 2):
        world.users[f"gas_inspector{n}"] = make_user(session, f"gas_inspector{n}", Role.INSPECTOR,
                                                     department_id=world.gas.id, cert_no=f"3204110020{n}")
    session.commit()
    return world
