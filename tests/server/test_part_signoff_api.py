"""What the inspector app relies on when it signs a department's own record of a joint visit (issue 16): only that
part's officers capture the representative's signature or refusal on it, and signing it leaves the other
department's record and the visit's record as a whole unsigned."""

from tests.server.test_part_records import gas_officers, joint_visit, numbers_of, submit_both
from tests.server.test_signoff import upload

API = "/api/v1"


def test_only_the_parts_own_officers_capture_the_representatives_signature_on_it(client, world, session):
    gas_officers(session, world)
    visit_id = joint_visit(client, session, world, "壬木业食堂综合体")
    submit_both(client, world, session, visit_id)
    parts = numbers_of(client, world, visit_id)
    safety, gas = parts["应急"]["part_id"], parts["住建"]["part_id"]
    capture = upload(client, world, "inspector", visit_id=visit_id)

    on_gas = client.post(f"{API}/documents/visit_part/{gas}/signatures", headers=world.headers("inspector"),
                         json={"party": "enterprise", "photo_id": capture["id"], "signer_name": "王建国"})
    assert on_gas.status_code == 403 and on_gas.json()["error"]["code"] == "not_on_instrument"
    refusal = client.post(f"{API}/documents/visit_part/{gas}/refusal", headers=world.headers("inspector"),
                          json={"refusal_reason": "不签", "witness": "李四"})
    assert refusal.status_code == 403 and refusal.json()["error"]["code"] == "not_on_instrument"

    on_own = client.post(f"{API}/documents/visit_part/{safety}/signatures", headers=world.headers("inspector"),
                         json={"party": "enterprise", "photo_id": capture["id"], "signer_name": "王建国"})
    assert on_own.status_code == 201, on_own.text
    again = client.post(f"{API}/documents/visit_part/{safety}/signatures", headers=world.headers("inspector"),
                        json={"party": "enterprise", "photo_id": capture["id"], "signer_name": "王建国"})
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_signed"  # the app looks first
    rows = client.get(f"{API}/documents/visit_part/{safety}/signatures", headers=world.headers("inspector")).json()
    assert [(r["party"], r["photo_id"], r["superseded_at"]) for r in rows] == [("enterprise", capture["id"], None)]
    for kind, document_id in (("visit_part", gas), ("visit", visit_id)):
        listed = client.get(f"{API}/documents/{kind}/{document_id}/signatures", headers=world.headers("office"))
        assert listed.status_code == 200 and listed.json() == []
    visit = client.get(f"{API}/visits/{visit_id}", headers=world.headers("office")).json()
    assert visit["signature_photo_id"] is None  # not the visit's own (that one prints on every part's record)
