"""首违免罚 decisions (REFERENCE §G.9): confirming issues a 不予行政处罚决定书 (record and PDF); a decision changes only
by a new decision with a reason, both kept and audited."""

import io

from pypdf import PdfReader

from inspection import audit
from tests.server.test_api_hazards import API, _close, _visit_with_failures


def _text(content: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).replace("\n", "")


def _closed_general(client, world, session):
    hazard_id = _visit_with_failures(client, world, session, {"DUST-12"})["hazard_ids"][0]
    assert _close(client, world, session, hazard_id).status_code == 200
    return hazard_id


def test_confirming_issues_a_numbered_decision_not_to_punish_with_its_pdf(client, world, session):
    hazard_id = _closed_general(client, world, session)
    recommendation = client.get(f"{API}/hazards/{hazard_id}/penalty", headers=world.headers("inspector")).json()
    assert recommendation["recommended_exempt"] is True
    assert recommendation["offence"] == "未采取措施消除一般事故隐患" and recommendation["rulings"] == []
    out = client.post(f"{API}/hazards/{hazard_id}/penalty", json={"confirm": True}, headers=world.headers("inspector"))
    assert out.status_code == 200, out.text
    ruling = out.json()["rulings"][0]
    assert ruling["exempt"] is True and "应急不罚〔" in ruling["number"]
    pdf = client.get(ruling["pdf_url"], headers=world.headers("enterprise_a"))
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text = _text(pdf.content)
    expected_text = ("不予行政处罚决定书", ruling["number"], "未采取措施消除一般事故隐患",
                     "江苏省应急管理轻微违法行为不予行政处罚清单",
                     "《中华人民共和国行政处罚法》第三十三条第一款",
                     "常州市新北区人民政府", "DUST-12")
    for expected in expected_text:
        assert expected in text, expected
    assert client.get(ruling["pdf_url"], headers=world.headers("enterprise_b")).status_code == 404


def test_a_decision_changes_only_by_a_new_decision_with_a_reason_and_both_stay(client, world, session):
    hazard_id = _closed_general(client, world, session)
    first = client.post(f"{API}/hazards/{hazard_id}/penalty", json={"confirm": True},
                        headers=world.headers("inspector")).json()["rulings"][0]
    silent = client.post(f"{API}/hazards/{hazard_id}/penalty", json={"confirm": False, "note": ""},
                         headers=world.headers("inspector"))
    assert silent.status_code == 422 and silent.json()["error"]["code"] == "reason_required"
    again = client.post(f"{API}/hazards/{hazard_id}/penalty", json={"confirm": True, "note": ""},
                        headers=world.headers("inspector"))
    assert again.status_code == 422  # even the same decision again needs a reason once one is made
    changed = client.post(f"{API}/hazards/{hazard_id}/penalty",
                          json={"confirm": False, "note": "复核发现该单位2025年已被查出同类隐患"},
                          headers=world.headers("inspector2"))
    assert changed.status_code == 200, changed.text
    rulings = changed.json()["rulings"]
    assert [r["id"] for r in rulings][0] == first["id"] and len(rulings) == 2
    assert rulings[1]["supersedes_id"] == first["id"] and rulings[1]["exempt"] is False
    assert rulings[1]["number"] is None and rulings[0]["number"] == first["number"]  # the first stays as it was
    assert changed.json()["decision"] == "overridden"
    events = [e for e in audit.history(session, "hazard", hazard_id) if e.action == "hazard.penalty_decision"]
    assert len(events) == 2 and events[1].reason == "复核发现该单位2025年已被查出同类隐患"
    assert events[1].before["ruling_id"] == first["id"]
    assert audit.verify_chain(session).ok


def test_no_decision_not_to_punish_without_a_verified_listed_offence(client, world, session):
    hazard_id = _visit_with_failures(client, world, session, {"DUST-12"})["hazard_ids"][0]
    _close(client, world, session, hazard_id)
    from sqlmodel import select

    from hazards.models import PenaltyDecision
    decision = session.exec(select(PenaltyDecision).where(PenaltyDecision.hazard_id == hazard_id)).one()
    decision.offence, decision.recommended_exempt = "", False  # as for a hazard on no verified listed offence
    session.add(decision)
    session.commit()
    refused = client.post(f"{API}/hazards/{hazard_id}/penalty", json={"confirm": False, "note": "情节轻微"},
                          headers=world.headers("inspector"))
    assert refused.status_code == 422 and refused.json()["error"]["code"] == "not_a_listed_offence"
