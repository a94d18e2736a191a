"""A shared check failed on a joint visit (issue 16): one finding, one hazard and one instrument entry per
enforcing department present, each on its own department's order signed by its own officers; corrections by
either department carry or void both; 厂中厂 parties compose; a department that withdrew gets a referral."""

import io
import re
import subprocess
import threading
import uuid
import zipfile

import pytest
from sqlmodel import select

from hazards.loop import shared, states
from hazards.models import Hazard, RectificationOrder
from hazards.notify.models import Outbox
from inspection.clock import local_date
from inspection.models import Event, Referral
from inspection.types import utcnow
from schemas.enums import HazardStatus
from tests import factories
from tests.server.test_documents import pdf_text

API = "/api/v1"
EXITS = "FCZ-10"  # 安全出口、疏散通道被占用: 应急 and 消防 both enforce it; a duty of lessor and tenant (both)
NARROWED = {"party": "tenant", "note": "疏散通道由承租方堆放货物堵塞，仅认定承租方"}


@pytest.fixture()
def photo(session, world):
    photo = factories.make_photo(session, world.users["inspector"])
    session.commit()
    return photo


@pytest.fixture()
def joint(client, world):
    """A joint visit of 应急 and 消防 (FCZ each) to a tenant of the rented plant site."""
    people = [world.users[n].id for n in ("inspector", "inspector2", "fire_inspector", "fire_inspector2")]
    body = {"enterprise_id": world.tenants[0].id, "inspector_ids": people, "source": "joint",
            "planned_date": str(local_date(utcnow())),
            "departments": [{"department_id": world.safety.id, "kinds": ["FCZ"]},
                            {"department_id": world.fire.id, "kinds": ["FCZ"]}]}
    response = client.post(f"{API}/visits", json=body, headers=world.headers("office"))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def part(client, world, visit_id, who):
    response = client.get(f"{API}/visits/{visit_id}/checklist", headers=world.headers(who))
    assert response.status_code == 200, response.text
    return {item["code"]: item for section in response.json()["sections"] for item in section["items"]}


def answers(items, photo, fails=(), passes=(), skip_answered=True, **extra):
    """Every item of the part: ``fails`` failed (with ``extra`` merged), ``passes`` passed even if another
    part answered them, the rest passed; the checks another part answered are left out."""
    results = []
    for code, item in items.items():
        if code in fails:
            results.append({"item_code": code, "result": "fail", "note": f"{code} 不合格", "photo_ids": [photo.id],
                            **extra})
        elif code in passes or not (skip_answered and item["answered_by_department_id"]):
            results.append({"item_code": code, "result": "pass"})
    return {"client_uuid": str(uuid.uuid4()), "captured_at": utcnow().isoformat(), "results": results}


def send(client, world, visit_id, who, body, *, correction=False):
    path = "corrections" if correction else "submissions"
    return client.post(f"{API}/visits/{visit_id}/{path}", json=body, headers=world.headers(who))


def exits_hazards(session):
    session.rollback()  # a new read transaction: see what the requests committed
    return session.exec(select(Hazard).where(Hazard.item_code == EXITS).order_by(Hazard.id)).all()


def live(hazards):
    return [h for h in hazards if h.status != HazardStatus.VOIDED]


def order_text(client, world, order_id):
    return pdf_text(client.get(f"{API}/orders/{order_id}.pdf", headers=world.headers("office")).content)


def found_by_department(client, world):
    today = str(local_date(utcnow()))
    body = client.get(f"{API}/stats/closure", params={"from": today, "to": today, "group_by": "department"},
                      headers=world.headers("office")).json()
    return {row["department_id"]: row["found"] for row in body["rows"]}


def test_each_enforcing_department_gets_its_own_hazard_on_its_own_order(client, world, session, joint, photo):
    safety = part(client, world, joint, "inspector")
    assert safety[EXITS]["shared"] and set(safety[EXITS]["departments"]) == {"应急", "消防"}
    first = send(client, world, joint, "inspector", answers(safety, photo, fails={EXITS}, **NARROWED))
    assert first.status_code == 201, first.text
    [mine] = exits_hazards(session)
    assert (mine.department_id, mine.enterprise_id, mine.party) == (world.safety.id, world.tenants[0].id, "tenant")
    [safety_order] = first.json()["order_ids"]
    text = order_text(client, world, safety_order)
    assert "责令限期整改指令书" in text and EXITS in text
    # 消防 sees the standing answer; submitting its part gives it its own hazard for the same finding
    fire = part(client, world, joint, "fire_inspector")
    assert (fire[EXITS]["answered_by_department_id"], fire[EXITS]["answer"]) == (world.safety.id, "fail")
    fire_body = answers(fire, photo)
    second = send(client, world, joint, "fire_inspector", fire_body)
    assert second.status_code == 201, second.text
    hazards = exits_hazards(session)
    assert [(h.department_id, h.party) for h in hazards] == [(world.safety.id, "tenant"), (world.fire.id, "tenant")]
    theirs = hazards[1]
    assert second.json()["hazard_ids"] == [theirs.id]
    assert shared.finding_key(theirs) == shared.finding_key(mine) == (joint, EXITS)  # one finding
    [fire_order_id] = second.json()["order_ids"]
    fire_order = session.get(RectificationOrder, fire_order_id)
    assert fire_order.department_id == world.fire.id and "消改" in fire_order.number
    assert sorted(fire_order.inspector_ids) == sorted([world.users["fire_inspector"].id,
                                                       world.users["fire_inspector2"].id])  # its own officers
    text = order_text(client, world, fire_order_id)
    assert "责令改正通知书" in text and EXITS in text and "消防法" in text
    assert session.get(RectificationOrder, safety_order).inspector_ids == [world.users["inspector"].id,
                                                                           world.users["inspector2"].id]
    # the statistics by department count each department's own hazard once
    assert found_by_department(client, world) == {world.safety.id: 1, world.fire.id: 1}
    # a replay of 消防's part returns its hazard and order again, making nothing new
    again = send(client, world, joint, "fire_inspector", fire_body)
    assert again.status_code == 200 and again.json()["hazard_ids"] == [theirs.id]
    assert len(exits_hazards(session)) == 2


SAFETY_LAW = "《中华人民共和国安全生产法》第四十二条第二款"  # FCZ-10's duty under 安全生产法: 应急's
FIRE_LAW = "《中华人民共和国消防法》第二十八条"  # FCZ-10's duty under 消防法: 消防's


def pdftotext(content: bytes) -> str:
    """The PDF's text as pdftotext reads it, whitespace removed (a citation may wrap)."""
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=content, capture_output=True, check=True)
    return re.sub(r"\s+", "", out.stdout.decode("utf-8"))


def test_each_department_cites_only_its_own_law_for_a_shared_check(client, world, session, joint, photo):
    """FCZ-10 lists 安全生产法 Art.42(2) and 消防法 Art.28: 应急's order, hazard and case file cite the first, 消防's
    the second, never the other department's law (REFERENCE §G.2; issue 16: "消防 one under 安全生产法")."""
    safety = part(client, world, joint, "inspector")
    fire = part(client, world, joint, "fire_inspector")
    assert safety[EXITS]["legal_basis"] == SAFETY_LAW  # each part shows what its own order will cite
    assert fire[EXITS]["legal_basis"].startswith(FIRE_LAW) and "安全生产法" not in fire[EXITS]["legal_basis"]
    first = send(client, world, joint, "inspector", answers(safety, photo, fails={EXITS}, **NARROWED))
    assert first.status_code == 201, first.text
    second = send(client, world, joint, "fire_inspector", answers(part(client, world, joint, "fire_inspector"), photo))
    assert second.status_code == 201, second.text
    mine, theirs = exits_hazards(session)
    assert (mine.department_id, theirs.department_id) == (world.safety.id, world.fire.id)
    assert mine.legal_basis == SAFETY_LAW
    assert theirs.legal_basis.startswith(FIRE_LAW) and "安全生产法" not in theirs.legal_basis
    for hazard in (mine, theirs):
        shown = client.get(f"{API}/hazards/{hazard.id}", headers=world.headers("office"))
        assert shown.status_code == 200 and shown.json()["legal_basis"] == hazard.legal_basis
    [safety_order] = first.json()["order_ids"]
    [fire_order] = second.json()["order_ids"]
    safety_text = pdftotext(client.get(f"{API}/orders/{safety_order}.pdf", headers=world.headers("office")).content)
    fire_text = pdftotext(client.get(f"{API}/orders/{fire_order}.pdf", headers=world.headers("office")).content)
    assert "责令限期整改指令书" in safety_text and f"依据：{SAFETY_LAW}" in safety_text
    assert "消防法" not in safety_text  # neither FCZ-10's 消防法 article nor any other
    assert "责令改正通知书" in fire_text and f"依据：{FIRE_LAW}" in fire_text
    assert "安全生产法" not in fire_text
    # the case file's index prints the hazard's own basis too
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"{API}/hazards/{theirs.id}/casefile.zip",
                                                    headers=world.headers("office")).content))
    index = pdftotext(archive.read("00_卷内目录.pdf"))
    assert f"依据：{FIRE_LAW}" in index and "安全生产法第四十二条" not in index.replace("《", "").replace("》", "")


def test_a_correction_by_the_other_department_passes_the_check_and_voids_both(client, world, session, joint, photo):
    safety = part(client, world, joint, "inspector")
    assert send(client, world, joint, "inspector", answers(safety, photo, fails={EXITS}, **NARROWED)).status_code == 201
    fire = part(client, world, joint, "fire_inspector")
    assert send(client, world, joint, "fire_inspector", answers(fire, photo)).status_code == 201
    assert len(live(exits_hazards(session))) == 2
    # 消防 corrects its part: the exits were clear (a correction answers the shared check anew)
    corrected = send(client, world, joint, "fire_inspector", answers(fire, photo, passes={EXITS}), correction=True)
    assert corrected.status_code == 201, corrected.text
    assert [r["item_code"] for r in corrected.json()["results"]].count(EXITS) == 1
    hazards = exits_hazards(session)
    assert {h.department_id: h.status for h in hazards} == {world.safety.id: HazardStatus.VOIDED,
                                                             world.fire.id: HazardStatus.VOIDED}
    event = session.exec(select(Event).where(Event.entity == "visit", Event.action == "visit.submit")
                         .order_by(Event.id.desc())).first()
    assert event.after["shared_corrections"] == [{"item_code": EXITS, "from": "fail", "to": "pass",
                                                  "answered_by_department_id": world.safety.id}]
    followed = session.exec(select(Event).where(Event.action == "visit.shared_followed")).one()
    assert followed.after["changes"] == [{"item_code": EXITS, "department_id": world.safety.id,
                                          "voided_hazard_ids": [hazards[0].id]}]
    # both parts now see 消防's answer as the standing one; each department's own record prints what its part
    # answered, once: 应急's its failure (as its officers signed it), 消防's corrected record the pass
    assert (part(client, world, joint, "inspector")[EXITS]["answer"], part(client, world, joint, "inspector")[EXITS][
        "answered_by_department_id"]) == ("pass", world.fire.id)
    assert found_by_department(client, world) == {}
    record = pdf_text(client.get(f"{API}/visits/{joint}.pdf", headers=world.headers("office")).content)
    safety_record, fire_record = record.split("消防部门现场检查记录", 1)
    assert "FCZ-10安全出口、疏散通道被占用、锁闭或堵塞不合格" in safety_record
    assert fire_record.count(EXITS) == 1 and "已更正" in fire_record
    assert "FCZ-10安全出口、疏散通道被占用、锁闭或堵塞合格" in fire_record


def test_a_correction_failing_it_again_leaves_the_other_department_to_sign_its_own(client, world, session, joint,
                                                                                   photo):
    safety = part(client, world, joint, "inspector")
    assert send(client, world, joint, "inspector", answers(safety, photo, **NARROWED)).status_code == 201
    fire = part(client, world, joint, "fire_inspector")
    assert send(client, world, joint, "fire_inspector", answers(fire, photo)).status_code == 201
    assert exits_hazards(session) == []
    # 应急 corrects: the exits were blocked after all. Its own order at once; 消防 is told, not signed for
    redo = send(client, world, joint, "inspector", answers(safety, photo, fails={EXITS}, skip_answered=False,
                                                           **NARROWED), correction=True)
    assert redo.status_code == 201, redo.text
    [mine] = exits_hazards(session)
    assert mine.department_id == world.safety.id
    told = session.exec(select(Outbox).where(Outbox.event_type == shared.EVENT_CHANGED)).one()
    assert told.recipient == f"department:{world.fire.id}" and told.payload["item_code"] == EXITS
    # 消防 corrects its own part: its hazard and its order, signed by its own officers
    fire = part(client, world, joint, "fire_inspector")
    assert fire[EXITS]["answer"] == "fail"
    confirmed = send(client, world, joint, "fire_inspector", answers(fire, photo), correction=True)
    assert confirmed.status_code == 201, confirmed.text
    hazards = live(exits_hazards(session))
    assert [h.department_id for h in hazards] == [world.safety.id, world.fire.id]
    [order_id] = confirmed.json()["order_ids"]
    order = session.get(RectificationOrder, order_id)
    assert order.department_id == world.fire.id and set(order.inspector_ids) == {
        world.users["fire_inspector"].id, world.users["fire_inspector2"].id}


def test_parties_and_departments_compose(client, world, session, joint, photo):
    """A `both` item at a tenant's visit: landlord and tenant, for each of the two departments."""
    safety = part(client, world, joint, "inspector")
    assert send(client, world, joint, "inspector", answers(safety, photo, fails={EXITS})).status_code == 201
    fire = part(client, world, joint, "fire_inspector")
    response = send(client, world, joint, "fire_inspector", answers(fire, photo))
    assert response.status_code == 201, response.text
    hazards = exits_hazards(session)
    landlord, tenant = world.landlord.id, world.tenants[0].id
    assert sorted((h.department_id, h.enterprise_id, h.party) for h in hazards) == sorted([
        (world.safety.id, landlord, "landlord"), (world.safety.id, tenant, "tenant"),
        (world.fire.id, landlord, "landlord"), (world.fire.id, tenant, "tenant")])
    by_id = {h.id: h for h in hazards}
    for hazard in hazards:  # the party pairs link within each department
        partner = by_id[hazard.linked_hazard_id]
        assert partner.department_id == hazard.department_id and partner.party != hazard.party
    assert len({shared.finding_key(h) for h in hazards}) == 1
    orders = session.exec(select(RectificationOrder)).all()
    assert sorted((o.department_id, o.enterprise_id) for o in orders) == sorted([
        (world.safety.id, landlord), (world.safety.id, tenant), (world.fire.id, landlord), (world.fire.id, tenant)])
    assert found_by_department(client, world) == {world.safety.id: 2, world.fire.id: 2}


def test_both_parts_submitted_at_once_give_one_hazard_each(client, world, session, joint, photo):
    safety, fire = part(client, world, joint, "inspector"), part(client, world, joint, "fire_inspector")
    bodies = {"inspector": answers(safety, photo, fails={EXITS}, **NARROWED),
              "fire_inspector": answers(fire, photo, fails={EXITS}, **NARROWED)}
    got: dict[str, object] = {}

    def post(who):
        got[who] = send(client, world, joint, who, bodies[who])

    threads = [threading.Thread(target=post, args=(who,)) for who in bodies]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert {who: r.status_code for who, r in got.items()} == {"inspector": 201, "fire_inspector": 201}
    stored = [r["item_code"] for who in got for r in got[who].json()["results"]]
    assert stored.count(EXITS) == 1  # answered once, by whichever part came first
    hazards = exits_hazards(session)
    assert sorted(h.department_id for h in hazards) == sorted([world.safety.id, world.fire.id])
    orders = session.exec(select(RectificationOrder)).all()
    assert sorted(o.department_id for o in orders) == sorted([world.safety.id, world.fire.id])
    for order in orders:
        officers = {u.id for u in world.users.values() if u.department_id == order.department_id and u.cert_no}
        assert set(order.inspector_ids) <= officers
    assert found_by_department(client, world) == {world.safety.id: 1, world.fire.id: 1}


def test_a_department_that_withdrew_gets_the_finding_referred_not_a_hazard(client, world, session, joint, photo):
    safety = part(client, world, joint, "inspector")
    assert send(client, world, joint, "inspector", answers(safety, photo, fails={EXITS}, **NARROWED)).status_code == 201
    url = f"{API}/visits/{joint}/departments/{world.fire.id}/withdraw"
    withdrawn = client.post(url, json={"reason": "消防另行专项检查"}, headers=world.headers("fire_inspector"))
    assert withdrawn.status_code == 200, withdrawn.text
    assert [h.department_id for h in exits_hazards(session)] == [world.safety.id]
    referral = session.exec(select(Referral).where(Referral.item_code == EXITS)).one()
    assert (referral.to_department_id, referral.from_department_id, referral.visit_id) == (
        world.fire.id, world.safety.id, joint)
    received = client.get(f"{API}/referrals", headers=world.headers("fire_inspector")).json()
    assert [r["id"] for r in received] == [referral.id]


def test_a_department_that_withdrew_first_gets_the_failure_referred_when_it_is_found(client, world, session, joint,
                                                                                     photo):
    url = f"{API}/visits/{joint}/departments/{world.fire.id}/withdraw"
    assert client.post(url, json={"reason": "消防另行专项检查"}, headers=world.headers("office")).status_code == 200
    safety = part(client, world, joint, "inspector")
    response = send(client, world, joint, "inspector", answers(safety, photo, fails={EXITS}, **NARROWED))
    assert response.status_code == 201, response.text
    assert [h.department_id for h in exits_hazards(session)] == [world.safety.id]
    referral = session.exec(select(Referral).where(Referral.item_code == EXITS)).one()
    assert response.json()["referral_ids"] == [referral.id] and referral.to_department_id == world.fire.id


def test_another_departments_hazard_of_the_same_finding_is_no_repeat(client, world, session, joint, photo):
    """应急's hazard closed before 消防 submits: 消防's hazard of the same finding is not a repeat of it."""
    safety = part(client, world, joint, "inspector")
    assert send(client, world, joint, "inspector", answers(safety, photo, fails={EXITS}, **NARROWED)).status_code == 201
    [mine] = exits_hazards(session)
    for move in (states.Move.SUBMIT, states.Move.ACCEPT):
        states.apply(session, mine, move, actor=None, at=utcnow(), reason="已清理疏散通道")
    session.commit()
    fire = part(client, world, joint, "fire_inspector")
    assert send(client, world, joint, "fire_inspector", answers(fire, photo)).status_code == 201
    mine, theirs = exits_hazards(session)
    assert (theirs.department_id, theirs.status, theirs.repeat_of_id) == (world.fire.id, HazardStatus.OPEN, None)
    assert not theirs.suspected_false_rectification and not mine.suspected_false_rectification
