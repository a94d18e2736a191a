"""The whole OpenAPI fuzzed by Schemathesis, as every role: no answer is a 5xx, every answer fits its schema.

Each (operation, role) pair is one test on a fresh ``world`` (the tables are emptied after each), so nothing one
case writes can break another, and nothing needs excluding: the admin's "run a job now" and the DELETEs only
touch that test's rows. Ids start at 1 in every test, the first value the coverage phase tries, so the
operations on visits, hazards, orders and photos get a submitted visit with one hazard and its order to act on.

The budget: Schemathesis' coverage phase (boundary values, nulls, out-of-range numbers, wrong types; a fixed
set of cases per operation, a few thousand per role) and ``FUZZED_EXAMPLES`` random ones per pair, derandomised
and without shrinking, so a run repeats the one before it and a failing run is no slower than a passing one.
About three minutes on two slow cores.
"""

import os
import uuid

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance
from sqlmodel import Session

from hazards.loop import deadlines, intake
from inspection.field import visits
from inspection.identity.accounts import actor_for
from inspection.types import utcnow
from schemas.visits import ResultIn, SubmissionIn, VisitCreate
from server.app import create_app
from tests import factories, personas

if (os.environ.get("XUNCHA_TEST_DATABASE_URL") or "").startswith("postgresql"):
    pytest.skip("Schemathesis runs once, on the SQLite run (the API under test is the same on PostgreSQL, and "
                "its budget of a few minutes is spent where the suite is fastest)", allow_module_level=True)

ROLES = ["admin", "office", "inspector", "enterprise_a"]
FUZZED_EXAMPLES = 4
CHECKS = [not_a_server_error, response_schema_conformance]
NEEDS_A_HAZARD = ("/visits/", "/hazards/", "/orders/", "/extensions/", "/photos/", "/portal/", "/ratings",
                  "/documents/", "/service-")

schema = schemathesis.openapi.from_asgi("/openapi.json", create_app())
schema.config.phases.update(phases=["examples", "coverage", "fuzzing"])
schema.config.phases.coverage.unexpected_methods = set()  # 405s: routing, the same for every role and input
schema.config.generation.update(max_examples=FUZZED_EXAMPLES, deterministic=True)

# explicit: the coverage phase's cases; generate: the fuzzed ones. No shrinking, no example database.
FUZZ_SETTINGS = settings(max_examples=FUZZED_EXAMPLES, derandomize=True, database=None, deadline=None,
                         phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))


def _public(ctx) -> bool:
    return not ctx.operation.definition.raw.get("security")


signed_in = schema.exclude(_public)
public = schema.include(_public)


@pytest.fixture()
def seeded(request: pytest.FixtureRequest, session: Session, world: personas.World) -> personas.World:
    """For operations on visits, hazards, orders and photos: visit 1 at enterprise A by two certified safety
    inspectors, submitted with DUST-12 failed (hazard 1, order 1, photo 1), made by the services themselves."""
    if not any(part in request.node.name for part in NEEDS_A_HAZARD):
        return world
    now = utcnow()
    inspector = actor_for(world.users["inspector"])
    photo = factories.make_photo(session, world.users["inspector"])
    visit = visits.create(session, VisitCreate(enterprise_id=world.enterprise_a.id or 0,
                                               inspector_ids=[world.users["inspector2"].id or 0]),
                          actor=inspector, now=now)
    asked = visits.asked_items(session, visit)
    results = [ResultIn(item_code=a.item.code, result="fail", photo_ids=[photo.id or 0]) if a.item.code == "DUST-12"
               else ResultIn(item_code=a.item.code, result="pass") for a in asked]
    intake.submit_visit(session, visit.id or 0, SubmissionIn(client_uuid=uuid.uuid4(), results=results),
                        actor=inspector, now=now, policy=deadlines.DeadlinePolicy())
    session.commit()
    return world


@pytest.mark.parametrize("role", ROLES)
@signed_in.parametrize()
@FUZZ_SETTINGS
def test_signed_in_api(case, role, seeded):
    case.call_and_validate(headers=seeded.headers(role), checks=CHECKS)


@public.parametrize()
@FUZZ_SETTINGS
def test_public_api(case, seeded):
    case.call_and_validate(checks=CHECKS)
