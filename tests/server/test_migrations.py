from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlmodel import SQLModel

from server.migrate import include_object


def test_models_and_migrations_agree(engine):
    """Autogenerate against the migrated test database finds nothing to do."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
        diff = compare_metadata(context, SQLModel.metadata)
    assert diff == []


def test_0002_fills_in_due_month_and_days_to_close_for_existing_hazards(engine, session, world):
    """A database migrated before 0002 gets the stored local months and days of the hazards it already has."""
    from sqlalchemy import text

    from server import migrate
    from tests.hazards.stats_dataset import make_hazard

    # found 10 June 23:30 Shanghai, closed 12 June 00:10 Shanghai (11 June in UTC), due 30 June 23:59:59
    closed = make_hazard(session, world.enterprise_a, world.safety, "DUST-01", found="2026-06-10 23:30",
                         due="2026-06-30", closed="2026-06-12 00:10")
    still_open = make_hazard(session, world.enterprise_a, world.safety, "DUST-02", found="2026-06-10 10:00",
                             due="2026-07-01")
    session.commit()
    try:
        migrate.downgrade(engine=engine, revision="0001")
        migrate.upgrade(engine=engine)
    finally:
        migrate.upgrade(engine=engine)  # the rest of the suite needs head whatever happened
    with engine.connect() as conn:
        rows = dict(conn.execute(text("SELECT id, due_month || '/' || coalesce(close_days, -1) FROM hazard")).all())
    assert rows == {closed.id: "2026-06/2", still_open.id: "2026-07/-1"}


def test_0010_keeps_decisions_already_made_as_the_first_ruling_and_plans_await_review(engine, session, world):
    """A 首违免罚 decision made before 0010 becomes its hazard's first ruling; an uploaded plan awaits review."""
    from sqlalchemy import text

    from hazards.models import PenaltyDecision
    from inspection.types import utcnow
    from server import migrate
    from tests.hazards.stats_dataset import make_hazard

    hazard = make_hazard(session, world.enterprise_a, world.safety, "DUST-12", found="2026-06-10 10:00",
                         due="2026-06-30", closed="2026-06-12 10:00")
    hazard.plan_uploaded_at = utcnow()
    session.add(hazard)
    session.add(PenaltyDecision(hazard_id=hazard.id, recommended_exempt=True, reasons=["首次发现"],
                                list_version="JS-2025", decision="confirmed",
                                decided_by=world.users["inspector"].id, decided_at=utcnow(), note="同意"))
    session.commit()
    session.close()
    try:
        migrate.downgrade(engine=engine, revision="0009")
        migrate.upgrade(engine=engine)
    finally:
        migrate.upgrade(engine=engine)
    with engine.connect() as conn:
        rulings = conn.execute(text("SELECT hazard_id, exempt, decision, note FROM penalty_ruling")).all()
        plan = conn.execute(text("SELECT plan_status FROM hazard WHERE id = :i"), {"i": hazard.id}).scalar_one()
    assert [tuple(r) for r in rulings] == [(hazard.id, True, "confirmed", "同意")] and plan == "submitted"
