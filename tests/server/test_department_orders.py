"""Each department prints its own instrument (REFERENCE §G.3): title, number prefix and legal basis come from
``hazards/rules/data/department_orders.json``; the unverified ones say so in the footer."""

import uuid

import pytest

from hazards.rules import department_orders
from inspection.types import utcnow
from schemas.enums import Role
from tests import factories
from tests.server.test_documents import pdf_text

API = "/api/v1"


@pytest.fixture()
def staffed(session, world):
    """Two certified inspectors each for 住建 and a 市场监管 department."""
    world.market = factories.make_department(session, "市监", priority=40)
    for code, department in (("gas", world.gas), ("market", world.market)):
        for n in (1, 2):
            world.users[f"{code}{n}"] = factories.make_user(session, f"{code}{n}", Role.INSPECTOR,
                                                            department_id=department.id, cert_no=f"3204119{n}{code}")
    world.tenants[0].dust_involved = False
    session.commit()
    return world


def order_text(client, session, world, who, partner, enterprise_id, kinds):
    """A visit of ``who``'s department alone; the first item it enforces itself fails; its order as text."""
    create = client.post(f"{API}/visits", json={"enterprise_id": enterprise_id, "kinds": kinds,
                                                 "inspector_ids": [world.users[partner].id]},
                         headers=world.headers(who))
    assert create.status_code == 201, create.text
    visit_id = create.json()["id"]
    checklist = client.get(f"{API}/visits/{visit_id}/checklist", headers=world.headers(who)).json()
    items = [item for section in checklist["sections"] for item in section["items"]]
    failing = next(i for i in items if i["refer_to"] is None and not i["advisory"] and i["level"] == "general")
    photo = factories.make_photo(session, world.users[who])
    session.commit()
    results = [{"item_code": i["code"], "result": "fail", "photo_ids": [photo.id], "note": "现场发现"}
               if i is failing else {"item_code": i["code"], "result": "pass"} for i in items]
    answer = client.post(f"{API}/visits/{visit_id}/submissions", headers=world.headers(who),
                         json={"client_uuid": str(uuid.uuid4()), "captured_at": utcnow().isoformat(),
                               "results": results})
    assert answer.status_code == 201, answer.text
    (order_id,) = answer.json()["order_ids"]
    pdf = client.get(f"{API}/orders/{order_id}.pdf", headers=world.headers("office"))
    assert pdf.status_code == 200
    return failing, pdf_text(pdf.content)


@pytest.mark.parametrize(("who", "partner", "where", "kinds", "code"), [
    ("inspector", "inspector2", "enterprise_a", ["DUST"], "应急"),
    ("fire_inspector", "fire_inspector2", "tenant", ["FCZ"], "消防"),
    ("gas1", "gas2", "enterprise_b", ["GAS"], "住建"),
    ("market1", "market2", "enterprise_b", ["GAS"], "市监"),
])
def test_each_department_prints_its_own_instrument(client, session, staffed, who, partner, where, kinds, code):
    world = staffed
    enterprise = world.tenants[0] if where == "tenant" else getattr(world, where)
    failing, text = order_text(client, session, world, who, partner, enterprise.id, kinds)
    instrument = department_orders.for_department(code)
    assert instrument.title in text and f"（新北）{instrument.prefix}〔" in text
    for basis in instrument.basis:
        assert basis.citation in text
    assert failing["code"] in text and code in failing["departments"]
    others = {c: department_orders.for_department(c) for c in department_orders.codes() if c != code}
    assert not any(f"{o.prefix}〔" in text for o in others.values() if not o.prefix.startswith(instrument.prefix))
    if instrument.verified:
        assert "安全生产法》第六十五条" in text and "尚待核实" not in text
        assert "本指令不停止执行" in text
    else:
        assert "安全生产法》第六十五条" not in text  # never the emergency-management order's article
        assert instrument.footer_note and instrument.footer_note in text  # on every page's footer
        assert f"本{instrument.short_name}不停止执行" in text


def test_the_instrument_data_names_its_sources():
    for code in department_orders.codes():
        instrument = department_orders.for_department(code)
        assert instrument.title and instrument.prefix and instrument.basis and instrument.source
        assert all(b.source for b in instrument.basis)
    assert department_orders.for_department("应急").verified
    assert not any(department_orders.for_department(c).verified for c in ("消防", "住建", "市监"))
    stranger = department_orders.for_department("城管")
    assert not stranger.verified and stranger.prefix == "城管责改"
