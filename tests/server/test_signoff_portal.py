"""The enterprise agrees to electronic service in the portal, and withdraws it with a reason; another
enterprise can do neither (REFERENCE §G.8)."""

from datetime import timedelta

from inspection import audit
from inspection.types import utcnow

API = "/api/v1"


def test_the_enterprise_agrees_and_withdraws_its_own_consent(client, world, session):
    consents = f"{API}/enterprises/{world.enterprise_a.id}/service-consents"
    body = {"signer_name": "王建国", "channel": "portal", "address": "enterprise_a",
            "agreed_at": (utcnow() - timedelta(minutes=1)).isoformat()}
    assert client.post(consents, json=body, headers=world.headers("enterprise_b")).status_code in (403, 404)
    given = client.post(consents, json=body, headers=world.headers("enterprise_a"))
    assert given.status_code == 201, given.text
    consent = given.json()
    assert consent["recorded_by"] == world.users["enterprise_a"].id and consent["revoked_at"] is None

    revoke = f"{API}/service-consents/{consent['id']}/revoke"
    other = client.post(revoke, json={"reason": "改为纸质送达"}, headers=world.headers("enterprise_b"))
    assert other.status_code == 404
    assert client.post(revoke, json={"reason": " "}, headers=world.headers("enterprise_a")).status_code == 422
    withdrawn = client.post(revoke, json={"reason": "改为纸质送达"}, headers=world.headers("enterprise_a"))
    assert withdrawn.status_code == 200 and withdrawn.json()["revoked_at"] is not None
    events = audit.history(session, "enterprise", world.enterprise_a.id)
    assert [e.action for e in events][-2:] == ["service.consent", "service.consent_revoked"]
    assert events[-1].reason == "改为纸质送达"
