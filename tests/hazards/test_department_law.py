"""The catalogue against what each department enforces (``enforces`` in hazards/rules/data/department_orders.json):
every item gives every department enforcing it at least one citation of that department's own law, so no
department's order is ever left without a basis or made to cite another department's law (REFERENCE §G.2)."""

import pytest

from hazards.rules import department_law, department_orders
from inspection.errors import InvalidInput
from inspection.field import checklists
from inspection.field.checklists.model import DEPARTMENT_CODES

# the only exception: the retired GAS-24 of version 1 cites the 2017 工贸 standard, repealed by 令第10号
# (REFERENCE §B: "do not cite it"); no department enforces a repealed standard, so it goes on no order
REPEALED_ONLY = {("GAS", 1, "GAS-24")}


def every_item():
    for (kind, version), checklist in sorted(checklists.load_all().items()):
        for item in checklist.items:
            yield kind, version, item


def test_every_department_enforces_something_with_a_source():
    for code in DEPARTMENT_CODES:
        laws = department_law.enforced(code)
        assert laws, code
        assert all(law.cites and law.source for law in laws), code
    assert department_law.enforced("城管") == ()  # a department not in the data enforces nothing


def test_every_item_gives_each_enforcing_department_a_citation_of_its_own_law():
    missing = []
    for kind, version, item in every_item():
        for code in checklists.jurisdiction(item).departments:
            for major in (False, True):
                if not department_law.own_citations(item, code, major=major):
                    missing.append((kind, version, item.code, code))
    assert {(k, v, c) for k, v, c, _ in missing} == REPEALED_ONLY, missing


def test_no_citation_of_the_catalogue_is_left_off_every_order():
    """Each citation belongs to a department enforcing the item; a major's grading article to each of them."""
    for _, _, item in every_item():
        departments = checklists.jurisdiction(item).departments
        if item.in_catalogue:
            for basis in item.duty_basis:
                assert any(department_law.belongs(basis.printed, d) for d in departments), (item.code, basis)
            if item.grading_basis is not None:
                assert all(department_law.belongs(item.grading_basis.printed, d) for d in departments), item.code
        elif (item.kind, 1, item.code) not in REPEALED_ONLY:
            for part in item.legal_basis.split("；"):
                assert any(department_law.belongs(part, d) for d in departments), (item.code, part)


def test_a_shared_check_prints_each_department_its_own_law():
    exits = checklists.get("FCZ", 2).item("FCZ-10")
    assert exits is not None and set(exits.departments) == {"应急", "消防"}
    assert department_law.basis_for(exits, "应急") == "《中华人民共和国安全生产法》第四十二条第二款"
    assert department_law.basis_for(exits, "消防") == "《中华人民共和国消防法》第二十八条（条款待核实）"
    dorms = checklists.get("FCZ", 2).item("FCZ-07")
    assert "安全生产法" not in department_law.basis_for(dorms, "消防")
    assert "消防" not in department_law.basis_for(dorms, "应急")
    cylinders = checklists.get("GAS", 2).item("GAS-06")
    assert department_law.basis_for(cylinders, "市监").startswith("《中华人民共和国特种设备安全法》")
    assert "特种设备" not in department_law.basis_for(cylinders, "住建")


def test_a_version_1_item_without_the_departments_law_takes_it_from_the_same_code_in_the_catalogue():
    old = checklists.get("FCZ", 1).item("FCZ-10")
    assert old is not None and "消防法" not in old.legal_basis  # v1 printed only 安全生产法, as published
    assert department_law.basis_for(old, "应急") == old.legal_basis
    assert department_law.basis_for(old, "消防") == "《中华人民共和国消防法》第二十八条（条款待核实）"


def test_an_item_without_the_departments_law_is_refused_on_its_order():
    fryers = checklists.get("GAS", 1).item("GAS-24")
    with pytest.raises(InvalidInput) as refused:
        department_law.basis_for(fryers, "应急")
    assert refused.value.code == "no_basis_of_department"
    with pytest.raises(InvalidInput):
        department_law.basis_for(checklists.get("DUST", 2).item("DUST-01"), "消防")


def test_the_instrument_data_still_loads_for_every_department():
    assert set(DEPARTMENT_CODES) <= set(department_orders.codes())


def test_an_old_visits_item_citing_no_law_of_the_department_is_advice_not_a_refused_submission(session):
    """An 应急 inspector failing v1's GAS-24 (cites only a repealed standard) must still be able to submit: the
    failure is advice on the record, never an order without a basis."""
    from hazards.loop import findings
    from inspection.field.submissions import ResultView
    from inspection.models import Department, Submission
    from schemas.enums import ItemResult

    safety = Department(code="应急", name="应急管理局")
    session.add(safety)
    session.flush()
    part = Submission(visit_id=1, department_id=safety.id, version=1, checklists={"GAS": 1})
    failed = ResultView(submission_id=1, department_id=safety.id, item_code="GAS-24", kind="GAS",
                        outcome=ItemResult.FAIL, note="", photo_ids=[], fixed_on_spot=False, after_photo_ids=[],
                        party=None, raise_to_major=False, deadline_days=None)
    assert findings.route(session, part, [failed]) == {"GAS-24": findings.Route(advisory=True)}
    session.rollback()
