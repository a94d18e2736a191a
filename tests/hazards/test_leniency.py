"""首违免罚 as the province wrote it (REFERENCE §G.9): the Jiangsu 2025 list as data, only verified items in force,
the first-violation test by listed offence since 2025-05-01, never another department's item."""

import json

from hazards.rules import leniency
from inspection.field import checklists
from inspection.models import Enterprise
from schemas.enums import HazardLevel
from tests.hazards.stats_dataset import make_hazard


def test_only_verified_items_of_the_2025_list_are_in_force_each_with_its_source():
    rules = leniency.load_list()
    raw = json.loads(leniency.LIST_FILE.read_text(encoding="utf-8"))
    assert (rules.version, rules.valid_from.isoformat(), raw["item_count"]) == ("JS-2025", "2025-05-01", 20)
    verified = {o.offence for o in rules.offences if o.verified}
    assert verified == {"未采取措施消除一般事故隐患", "未建立安全风险分级管控制度"}
    assert all(o.source for o in rules.offences)
    assert len(rules.offences) <= raw["item_count"]
    # an unverified entry never decides anything: DUST-14 is the verified general-hazard offence, not the guess
    offence, unverified = rules.match("DUST-14", "general", "应急")
    assert offence is not None and offence.offence == "未采取措施消除一般事故隐患"
    assert [o.key for o in unverified] == ["dust-training"]


def test_no_item_of_another_department_sits_on_the_list():
    rules = leniency.load_list()
    for offence in rules.offences:
        for code in offence.item_codes:
            item = checklists.get(code.split("-")[0]).item(code)
            assert item is not None and rules.department in item.departments, code
    assert rules.match("GAS-13", "general", "住建") == (None, [])


def _assess(session, hazard):
    rules = leniency.load_list()
    offence, unverified = leniency.offence_of(session, hazard, rules)
    return leniency.assess(hazard, session.get(Enterprise, hazard.enterprise_id), offence=offence,
                           unverified=unverified, found_before=leniency.found_before(session, hazard, offence, rules),
                           rules=rules)


def test_a_gas_user_item_of_zhujian_is_never_recommended(session, world):
    hazard = make_hazard(session, world.enterprise_b, world.gas, "GAS-13", found="2026-06-01 10:00",
                         due="2026-06-10", closed="2026-06-05 10:00")
    result = _assess(session, hazard)
    assert result.exempt is False and result.offence is None
    assert any("不属于" in r for r in result.reasons)


def test_first_violation_is_the_same_listed_offence_since_the_list_took_effect(session, world):
    # found before the list took effect: no record under it
    make_hazard(session, world.enterprise_a, world.safety, "DUST-12", found="2025-03-01 10:00", due="2025-03-20",
                closed="2025-03-10 10:00")
    first = make_hazard(session, world.enterprise_a, world.safety, "DUST-14", found="2026-06-01 10:00",
                        due="2026-06-16", closed="2026-06-05 10:00")
    assert _assess(session, first).exempt is True
    # another checklist item, the same listed offence (a general hazard not eliminated): not a first violation
    second = make_hazard(session, world.enterprise_a, world.safety, "DUST-29", found="2026-08-01 10:00",
                         due="2026-08-16", closed="2026-08-05 10:00")
    result = _assess(session, second)
    assert result.exempt is False and any("非首次违法" in r for r in result.reasons)
    # the other department's hazards at the same enterprise are no record of this offence
    make_hazard(session, world.enterprise_b, world.gas, "GAS-13", found="2026-05-01 10:00", due="2026-05-10",
                closed="2026-05-05 10:00")
    b_first = make_hazard(session, world.enterprise_b, world.safety, "DUST-12", found="2026-06-01 10:00",
                          due="2026-06-16", closed="2026-06-05 10:00")
    assert _assess(session, b_first).exempt is True


def test_a_major_hazard_is_not_exempt(session, world):
    hazard = make_hazard(session, world.enterprise_a, world.safety, "DUST-03", found="2026-06-01 10:00",
                         due="2026-06-08", closed="2026-06-05 10:00", level=HazardLevel.MAJOR)
    result = _assess(session, hazard)
    assert result.exempt is False and result.enforcement_review is True
