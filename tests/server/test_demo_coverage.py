"""Demo data of the coverage programmes: a running campaign on the dashboard, a grid worker with a check."""

from server.demo import seed as demo

API = "/api/v1"


def test_the_demo_runs_a_campaign_and_has_a_grid_worker_with_a_referred_check(client, session):
    logins = dict(demo.load(session, fast_hash=True))
    session.commit()
    assert "wangge" in logins
    office = client.post(f"{API}/auth/token", data={"username": "office", "password": demo.PASSWORD}).json()
    headers = {"Authorization": f"Bearer {office['access_token']}"}
    (campaign,) = client.get(f"{API}/campaigns", headers=headers, params={"active": True}).json()["items"]
    assert campaign["targets"] >= 10 and campaign["kinds"] == ["DUST"]
    progress = client.get(f"{API}/campaigns/{campaign['id']}/progress", headers=headers).json()
    assert progress["total"]["targets"] == campaign["targets"] and progress["streets"]
    assert client.get(f"{API}/campaigns/{campaign['id']}/tasks", headers=headers).json()

    token = client.post(f"{API}/auth/token", data={"username": "wangge", "password": demo.PASSWORD}).json()
    grid = {"Authorization": f"Bearer {token['access_token']}"}
    assert client.get(f"{API}/grid/venues", headers=grid).json()["street"] == "新桥街道"
    (check,) = client.get(f"{API}/grid/checks", headers=grid).json()
    assert (check["failed"], check["referrals"]) == (2, 2)
    assert client.get(f"{API}/visits", headers=grid).status_code == 403
    demo.load(session, fast_hash=True)  # again: nothing new
    session.commit()
    assert len(client.get(f"{API}/grid/checks", headers=grid).json()) == 1
