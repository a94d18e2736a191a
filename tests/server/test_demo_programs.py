"""The programs' demo data: the office's dashboard has registrations (inspected, waiting, overdue) and coverage."""

from sqlmodel import func, select

from hazards.linkage.models import GasEvent
from inspection.types import utcnow
from server.demo import programs
from server.demo import seed as demo

API = "/api/v1"


def test_the_demo_shows_linkage_and_coverage_and_loads_once(client, session):
    demo.load(session, fast_hash=True)
    programs.load(session, now=utcnow())
    session.commit()
    token = client.post(f"{API}/auth/token", data={"username": "office", "password": demo.PASSWORD}).json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    board = client.get(f"{API}/linkage/board", headers=headers).json()
    assert board["events"] == len(programs.EVENTS) and board["inspected"] == 4
    assert board["overdue"] >= 1 and board["lead_days_mean"] > 0
    assert all(row["outcome"]["result"] == "no_hazard" for row in board["recent"] if row["state"] == "inspected")
    coverage = client.get(f"{API}/insurance/coverage", headers=headers).json()
    assert coverage["key_enterprises"] > 5 and 0 < coverage["rate"] < 1
    assert coverage["by_street"] and coverage["by_kind"]
    assert client.get(f"{API}/insurance/uncovered", headers=headers).json()

    programs.load(session, now=utcnow())
    session.commit()
    assert session.exec(select(func.count()).select_from(GasEvent)).one() == len(programs.EVENTS)
