"""A photo record belongs to its uploader and its context; evidence is the enterprise's own and used once."""

import uuid

from tests import factories
from tests.server.test_api_hazards import _evidence_photo, _visit_with_failures
from tests.server.test_api_photos import jpeg, upload

API = "/api/v1"


def new_visit(client, world):
    body = {"enterprise_id": world.enterprise_a.id, "inspector_ids": [world.users["inspector2"].id]}
    return client.post(f"{API}/visits", json=body, headers=world.headers("inspector")).json()["id"]


def test_the_same_bytes_from_someone_else_make_their_own_record(client, world):
    data = jpeg()
    visit = new_visit(client, world)
    inspectors = upload(client, world, data, visit_id=visit)
    enterprises = upload(client, world, data, who="enterprise_a")

    assert inspectors.status_code == 201 and enterprises.status_code == 201
    assert enterprises.json()["id"] != inspectors.json()["id"]
    assert enterprises.json()["visit_id"] is None  # nothing of the inspector's record leaks to the enterprise


def test_the_same_bytes_again_from_the_same_uploader_for_the_same_visit_are_the_same_record(client, world):
    data = jpeg()
    visit = new_visit(client, world)
    first = upload(client, world, data, visit_id=visit)
    again = upload(client, world, data, visit_id=visit)
    elsewhere = upload(client, world, data, visit_id=new_visit(client, world))

    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    assert elsewhere.status_code == 201 and elsewhere.json()["id"] != first.json()["id"]


def test_an_inspector_may_use_a_photo_of_an_earlier_visit_again(client, world):
    """The phone's offline queue reuses photo ids: the uploader's own photo never blocks a submission."""
    first = new_visit(client, world)
    photo = upload(client, world, jpeg(), visit_id=first).json()["id"]
    second = new_visit(client, world)
    sections = client.get(f"{API}/visits/{second}/checklist", headers=world.headers("inspector")).json()
    results = [{"item_code": i["code"], "result": "pass", "photo_ids": [photo]}
               for s in sections["sections"] for i in s["items"]]

    out = client.post(f"{API}/visits/{second}/submissions", json={"client_uuid": str(uuid.uuid4()),
                                                                  "results": results},
                      headers=world.headers("inspector"))

    assert out.status_code == 201, out.text
    assert client.get(f"{API}/photos/{photo}", params={"variant": "thumb"},
                      headers=world.headers("inspector")).status_code == 200


def test_a_before_photo_is_no_evidence_of_a_repair(client, world, session):
    out = _visit_with_failures(client, world, session, {"DUST-12"})
    hazard = out["hazard_ids"][0]
    before = client.get(f"{API}/hazards/{hazard}", headers=world.headers("inspector")).json()
    results = client.get(f"{API}/visits/{before['visit_id']}/submissions", headers=world.headers("inspector"))
    inspector_photo = next(r["photo_ids"][0] for r in results.json()[0]["results"] if r["photo_ids"])

    response = client.post(f"{API}/hazards/{hazard}/evidence", json={"note": "已整改", "photo_ids": [inspector_photo]},
                           headers=world.headers("enterprise_a"))

    assert response.status_code == 422 and response.json()["error"]["code"] == "unknown_photo"


def test_one_after_photo_is_evidence_for_one_hazard_only(client, world, session):
    out = _visit_with_failures(client, world, session, {"DUST-12", "DUST-13"})
    first, second = out["hazard_ids"][:2]
    photo = _evidence_photo(session, world)
    ok = client.post(f"{API}/hazards/{first}/evidence", json={"note": "已整改", "photo_ids": [photo]},
                     headers=world.headers("enterprise_a"))
    assert ok.status_code in (200, 201), ok.text

    again = client.post(f"{API}/hazards/{second}/evidence", json={"note": "已整改", "photo_ids": [photo]},
                        headers=world.headers("enterprise_a"))

    assert again.status_code == 422 and again.json()["error"]["code"] == "photo_reused"
    assert again.json()["error"]["details"]["hazard_ids"] == [first]


def test_another_users_client_key_is_refused(client, world):
    key = str(uuid.uuid4())
    assert upload(client, world, jpeg(), client_uuid=key).status_code == 201
    other = upload(client, world, jpeg(), who="enterprise_a", client_uuid=key)
    assert other.status_code == 409


def test_factories_still_make_enterprise_photos(session, world):
    assert factories.make_photo(session, world.users["enterprise_a"]).uploaded_by == world.users["enterprise_a"].id
