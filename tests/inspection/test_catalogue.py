"""The item catalogue (jurisdiction and legal basis, from version 2) and the v2 corrections (no database)."""

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from inspection.field import checklists
from inspection.field.checklists import ChecklistError, EnterpriseProfile
from server.demo.seed import DEPARTMENTS

V1 = {kind: checklists.get(kind, 1) for kind in ("DUST", "FCZ", "GAS")}
V2 = {kind: checklists.get(kind, 2) for kind in ("DUST", "FCZ", "GAS")}
ARTICLE = re.compile(r"第[一二三四五六七八九十百]+条|第\d+(\.\d+)+条")


def item(code: str, version: int = 2) -> checklists.ChecklistItem:
    found = checklists.get(code.split("-")[0], version).item(code)
    assert found is not None, f"{code} missing from v{version}"
    return found


def v2_items() -> list[checklists.ChecklistItem]:
    return [i for checklist in V2.values() for i in checklist.items]


# The catalogue: every item, its departments and basis -----


def test_department_codes_are_the_seeds() -> None:
    assert set(checklists.DEPARTMENT_CODES) == {code for code, *_ in DEPARTMENTS}


def test_every_v2_item_names_departments_and_a_duty_basis() -> None:
    for entry in v2_items():
        assert entry.in_catalogue and entry.departments, entry.code
        assert set(entry.departments) <= set(checklists.DEPARTMENT_CODES), entry.code
        assert entry.duty_basis, entry.code
        assert entry.legal_basis == entry.basis_text(), entry.code


def test_every_item_that_can_be_major_has_a_grading_basis_and_no_other_has() -> None:
    for entry in v2_items():
        assert (entry.grading_basis is not None) == entry.can_be_major, entry.code


def test_a_general_item_prints_no_grading_article_and_a_major_prints_it_last() -> None:
    dust01 = item("DUST-01")
    assert dust01.legal_basis.endswith("第十一条第（一）项")
    assert "判定标准" not in item("DUST-12").legal_basis


def test_unverified_citations_are_marked_and_never_printed_as_law() -> None:
    unverified = [(e.code, b) for e in v2_items() for b in (*e.duty_basis, e.grading_basis) if b and not b.verified]
    assert unverified
    for code, basis in unverified:
        assert basis.printed.endswith(checklists.UNVERIFIED_MARK), code
        assert basis.printed in item(code).basis_text(major=True), code


def test_a_check_of_two_departments_is_one_item_listing_both() -> None:
    assert item("FCZ-10").departments == ("应急", "消防")  # exits: 安全生产法 Art.42 and 消防法
    texts = [e.text for e in v2_items()]
    assert len(texts) == len(set(texts))


def test_user_side_gas_items_are_zhujian_and_fire_items_xiaofang() -> None:
    for code in ("GAS-03", "GAS-04", "GAS-05", "GAS-07", "GAS-11", "GAS-13", "GAS-26", "GAS-27", "GAS-28"):
        assert item(code).departments == ("住建",), code
    for code in ("FCZ-04", "FCZ-05", "FCZ-06", "FCZ-08", "FCZ-11", "FCZ-16", "GAS-29"):
        assert "消防" in item(code).departments, code
    assert all(e.departments == ("应急",) for e in V2["DUST"].items)


def test_advisory_items_are_those_without_an_article() -> None:
    advisory = {e.code for e in v2_items() if e.advisory}
    assert advisory == {"FCZ-13", "FCZ-14", "FCZ-15", "FCZ-18", "FCZ-21", "FCZ-22",
                        "GAS-02", "GAS-08", "GAS-09", "GAS-10", "GAS-29"}
    for entry in v2_items():
        if not entry.advisory:  # an item that may go on an order cites at least one article or clause
            assert any(ARTICLE.search(b.citation) for b in entry.duty_basis), entry.code


def test_version_1_items_take_their_jurisdiction_from_the_catalogue() -> None:
    assert checklists.jurisdiction(item("FCZ-10", 1)).departments == ("应急", "消防")
    assert checklists.jurisdiction(item("GAS-24", 1)) == checklists.Jurisdiction(("应急",), True)  # retired
    assert checklists.jurisdiction(item("DUST-25", 1)).departments == ("应急",)
    assert checklists.jurisdiction(item("FCZ-14", 1)).advisory
    for checklist in V1.values():
        assert all(checklists.jurisdiction(e).departments for e in checklist.items)


# Codes: retired, never reused, never meaning two things -----


def test_retired_codes_are_gone_from_v2_and_replaced_by_new_codes() -> None:
    retired = {r.code: r for checklist in V2.values() for r in checklist.retired}
    assert set(retired) == {"DUST-25", "GAS-24"}
    assert retired["GAS-24"].replaced_by == "GAS-25" and retired["DUST-25"].replaced_by == "DUST-31"
    v1_codes = {e.code for checklist in V1.values() for e in checklist.items}
    for code, entry in retired.items():
        assert V2[code.split("-")[0]].item(code) is None
        assert entry.replaced_by not in v1_codes


def test_no_code_in_v2_means_something_else_in_v1() -> None:
    """A code kept from v1 is the same check: same wording, or a revision note saying what was corrected."""
    for kind, checklist in V2.items():
        for entry in checklist.items:
            old = V1[kind].item(entry.code)
            if old is None:
                assert entry.revision and entry.revision.startswith("新增"), entry.code
                continue
            changed = (old.text != entry.text or old.level != entry.level or old.applies_if != entry.applies_if
                       or old.party != entry.party)
            assert not changed or entry.revision, entry.code
    # the only wording change of a kept code is the DUST-02 correction the law asks for
    reworded = {e.code for k, c in V2.items() for e in c.items
                if (old := V1[k].item(e.code)) is not None and old.text != e.text}
    assert reworded == {"DUST-02"}


def test_every_v1_code_is_kept_or_retired() -> None:
    for kind in V1:
        kept = {e.code for e in V2[kind].items}
        retired = {r.code for r in V2[kind].retired}
        assert {e.code for e in V1[kind].items} <= kept | retired


def test_find_item_names_a_retired_code_by_its_last_wording() -> None:
    assert checklists.find_item("GAS-24") == item("GAS-24", 1)
    assert checklists.find_item("GAS-25") == item("GAS-25")
    assert checklists.find_item("GAS-99") is None


# The corrections, one by one -----


def test_dust_02_says_category_not_kind() -> None:
    assert "不同类别" in item("DUST-02").text and "种类" not in item("DUST-02").text
    assert "不同种类" in item("DUST-02", 1).text  # v1 stays as published


def test_dust_25_retired_its_hydrogen_part_is_dust_10_and_its_sludge_part_dust_31() -> None:
    assert item("DUST-10").is_major and "第十一条第（九）项" in item("DUST-10").legal_basis
    dust31 = item("DUST-31")
    assert not dust31.can_be_major and "第十一条" not in dust31.legal_basis
    assert dust31.applies_if == {"dust_kind_in": ["aluminium_magnesium"]}


@pytest.mark.parametrize("code", ["DUST-13", "DUST-16", "DUST-17", "DUST-20", "DUST-21", "DUST-22", "DUST-23"])
def test_dust_citations_are_clause_level(code: str) -> None:
    entry = item(code)
    gb_or_rule = [b for b in entry.duty_basis if "GB 15577" in b.citation or "令第6号" in b.citation]
    assert gb_or_rule
    assert all(ARTICLE.search(b.citation) for b in entry.duty_basis), code
    assert not re.search(r"第\d+章", entry.legal_basis)
    assert re.search(r"第\d+章|粉尘防爆安全规定》$", item(code, 1).legal_basis) or code == "DUST-16"


def test_dust_16_cites_no_definition() -> None:
    assert "3.9" not in item("DUST-16").legal_basis and "3.9" in item("DUST-16", 1).legal_basis


def test_special_workers_without_certificates_is_a_major_dust_item_for_every_dust_enterprise() -> None:
    dust30 = item("DUST-30")
    assert dust30.is_major and dust30.applies_if is None
    assert dust30.grading_basis is not None and "第三条第（二）项" in dust30.grading_basis.citation
    assert V1["DUST"].item("DUST-30") is None


@pytest.mark.parametrize(("code", "clause"), [("GAS-26", "（一）"), ("GAS-27", "（六）"), ("GAS-28", "（七）")])
def test_gas_user_prohibitions_of_article_28(code: str, clause: str) -> None:
    entry = item(code)
    assert f"《城镇燃气管理条例》第二十八条第{clause}项" in entry.legal_basis
    assert entry.departments == ("住建",) and entry.applies_if == {"gas_role_in": ["user"]}


def test_lpg_in_a_crowded_place_is_a_fire_item_graded_by_gb_35181() -> None:
    entry = item("GAS-29")
    assert entry.departments == ("消防",) and entry.is_major
    assert entry.grading_basis is not None and "GB 35181" in entry.grading_basis.citation
    assert not entry.grading_basis.verified
    restaurant = EnterpriseProfile(gas_user=True, gas_supply="lpg", industry="catering")
    pipeline = EnterpriseProfile(gas_user=True, gas_supply="pipeline", industry="catering")
    assert checklists.applies(entry, restaurant) and not checklists.applies(entry, pipeline)


def test_gas_23_is_major_only_in_the_industries_its_article_names() -> None:
    entry = item("GAS-23")
    machinery = EnterpriseProfile(gas_user=True, gas_supply="pipeline", industry="machinery")
    food = EnterpriseProfile(gas_user=True, gas_supply="pipeline", industry="food")
    chemical = EnterpriseProfile(gas_user=True, gas_supply="pipeline", industry="chemical")
    assert entry.major_for(machinery) and not entry.major_for(food)
    assert checklists.applies(entry, food) and not checklists.applies(entry, chemical)
    assert checklists.applies(item("GAS-23", 1), chemical)  # v1 still asked chemical firms


def test_gas_10_and_gas_04_citations() -> None:
    assert "第十八条" not in item("GAS-10").legal_basis and item("GAS-10").advisory
    assert "第十八条第（四）项" in item("GAS-10", 1).legal_basis
    assert "第二十八条" not in item("GAS-04").legal_basis and "第二十七条" in item("GAS-04").legal_basis


def test_gas_24_retires_and_the_overheat_cut_off_item_has_a_new_code() -> None:
    assert V2["GAS"].item("GAS-24") is None
    gas25 = item("GAS-25")
    assert "过热" in gas25.text and gas25.is_major
    assert gas25.applies_if == {"all": [{"gas_role_in": ["user"]}, {"industry_in": ["food"]}]}
    assert "2017" not in gas25.legal_basis


@pytest.mark.parametrize("code", ["FCZ-02", "FCZ-03"])
def test_lessor_items_are_major_only_where_the_lessor_is_a_industrial_trade_enterprise(code: str) -> None:
    entry = item(code)
    factory_lessor = EnterpriseProfile(plant_role="tenant", industry="machinery", lessor_industry="metal_processing")
    park_company = EnterpriseProfile(plant_role="landlord", industry="property", lessor_industry="property")
    assert entry.level == "general" and entry.major_for(factory_lessor) and not entry.major_for(park_company)
    assert "第三条第（一）项" in entry.basis_text(major=True)
    assert "第三条" not in entry.basis_text(major=False)
    assert item(code, 1).is_major  # as published in v1


# The loader refuses a broken catalogue -----


def packaged_v2(kind: str = "DUST") -> dict[str, Any]:
    return json.loads((checklists.DEFAULT_DIRECTORY / f"{kind}.v2.json").read_text(encoding="utf-8"))


def v2_item(raw: dict[str, Any], code: str) -> dict[str, Any]:
    return next(i for s in raw["sections"] for i in s["items"] if i["code"] == code)


def unknown_department(raw: dict[str, Any]) -> None:
    v2_item(raw, "DUST-01")["departments"] = ["安监"]


def major_without_grading(raw: dict[str, Any]) -> None:
    del v2_item(raw, "DUST-01")["grading_basis"]


def grading_on_a_general_item(raw: dict[str, Any]) -> None:
    v2_item(raw, "DUST-12")["grading_basis"] = {"citation": "x", "verified": True}


def no_duty_basis(raw: dict[str, Any]) -> None:
    v2_item(raw, "DUST-12")["duty_basis"] = []


def retired_code_reused(raw: dict[str, Any]) -> None:
    v2_item(raw, "DUST-31")["code"] = "DUST-25"
    raw["retired"][0]["replaced_by"] = None


def code_dropped_without_retiring(raw: dict[str, Any]) -> None:
    raw["sections"][0]["items"] = raw["sections"][0]["items"][1:]  # DUST-01 gone


def retiring_an_unknown_code(raw: dict[str, Any]) -> None:
    raw["retired"].append({"code": "DUST-77", "reason": "x", "departments": ["应急"]})


def replaced_by_an_old_code(raw: dict[str, Any]) -> None:
    raw["retired"][0]["replaced_by"] = "DUST-24"


def printed_basis_disagrees(raw: dict[str, Any]) -> None:
    v2_item(raw, "DUST-12")["legal_basis"] = "《某法》第一条"


def mixed_with_version_1_items(raw: dict[str, Any]) -> None:
    entry = v2_item(raw, "DUST-12")
    for key in ("departments", "duty_basis"):
        del entry[key]
    entry["legal_basis"] = "《工贸企业粉尘防爆安全规定》第七条"


def major_if_on_a_major(raw: dict[str, Any]) -> None:
    v2_item(raw, "DUST-01")["major_if"] = {"industry_in": ["food"]}


BREAKAGES: list[tuple[Callable[[dict[str, Any]], None], str]] = [
    (unknown_department, "unknown department code(s) ['安监']"),
    (major_without_grading, "DUST-01: a major item needs a grading_basis"),
    (grading_on_a_general_item, "DUST-12: grading_basis is only for items that can be major"),
    (no_duty_basis, "DUST-12: a catalogue item needs a duty_basis"),
    (retired_code_reused, "retired code(s) ['DUST-25'] are still items of this version"),
    (code_dropped_without_retiring, "code(s) ['DUST-01'] of the previous version are neither kept nor retired"),
    (retiring_an_unknown_code, "retires DUST-77, which no earlier version has"),
    (replaced_by_an_old_code, "replaced by DUST-24, an existing code"),
    (printed_basis_disagrees, "DUST-12: legal_basis is derived"),
    (mixed_with_version_1_items, "either every item names its departments"),
    (major_if_on_a_major, "DUST-01: major_if is for general items"),
]


@pytest.mark.parametrize(("breakage", "message"), BREAKAGES, ids=[b.__name__ for b, _ in BREAKAGES])
def test_broken_catalogue_fails_loudly(tmp_path: Path, breakage: Callable[[dict[str, Any]], None],
                                       message: str) -> None:
    shutil.copy(checklists.DEFAULT_DIRECTORY / "DUST.v1.json", tmp_path / "DUST.v1.json")
    raw = packaged_v2()
    breakage(raw)
    (tmp_path / "DUST.v2.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")

    with pytest.raises(ChecklistError, match="DUST.v2.json") as failure:
        checklists.load_all(tmp_path)
    assert message in str(failure.value)


def test_a_retired_code_used_again_in_a_later_version_fails(tmp_path: Path) -> None:
    shutil.copy(checklists.DEFAULT_DIRECTORY / "DUST.v1.json", tmp_path / "DUST.v1.json")
    shutil.copy(checklists.DEFAULT_DIRECTORY / "DUST.v2.json", tmp_path / "DUST.v2.json")
    raw = packaged_v2()
    raw["version"], raw["retired"] = 3, []
    v2_item(raw, "DUST-31")["code"] = "DUST-25"  # the v2-retired code back with another meaning
    (tmp_path / "DUST.v3.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")

    with pytest.raises(ChecklistError, match=r"DUST.v3.json: retired code\(s\) \['DUST-25'\] reused"):
        checklists.load_all(tmp_path)


def test_the_packaged_v2_files_load_on_their_own(tmp_path: Path) -> None:
    for kind in V2:
        for version in (1, 2):
            shutil.copy(checklists.DEFAULT_DIRECTORY / f"{kind}.v{version}.json", tmp_path)
    assert checklists.load_all(tmp_path)[("GAS", 2)].content_hash == V2["GAS"].content_hash
