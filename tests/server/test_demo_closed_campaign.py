"""Demo data: a campaign the office closed, with who closed it and why; its report still opens."""

from server.demo import seed as demo

API = "/api/v1"


def test_the_demo_has_a_closed_campaign_with_its_report(client, session):
    demo.load(session, fast_hash=True)
    session.commit()
    office = client.post(f"{API}/auth/token", data={"username": "office", "password": demo.PASSWORD}).json()
    headers = {"Authorization": f"Bearer {office['access_token']}"}
    closed = [c for c in client.get(f"{API}/campaigns", headers=headers).json()["items"] if c["status"] == "closed"]
    assert len(closed) == 1 and closed[0]["closed_by"] and closed[0]["closed_at"] and closed[0]["close_note"]
    assert closed[0]["targets"] >= 1
    assert client.get(f"{API}/campaigns/{closed[0]['id']}/progress", headers=headers).status_code == 200
    demo.load(session, fast_hash=True)  # again: nothing new
    session.commit()
    assert len([c for c in client.get(f"{API}/campaigns", headers=headers).json()["items"]
                if c["status"] == "closed"]) == 1
