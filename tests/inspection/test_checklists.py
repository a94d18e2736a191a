"""Checklist data files, their loader and the applicability rules (no database)."""

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from inspection.field import checklists
from inspection.field.checklists import (
    Checklist,
    ChecklistError,
    EnterpriseProfile,
    UnknownChecklist,
    applicable_items,
    applicable_kinds,
    applies,
)

EXPECTED_COUNTS = {"DUST": 29, "FCZ": 22, "GAS": 24}  # version 1
EXPECTED_COUNTS_V2 = {"DUST": 30, "FCZ": 22, "GAS": 28}
COUNT_RANGES = {"DUST": range(20, 31), "FCZ": range(15, 26), "GAS": range(15, 26)}

ALMG = EnterpriseProfile(dust_involved=True, dust_kind="aluminium_magnesium", industry="metal_processing")
GRAIN = EnterpriseProfile(dust_involved=True, dust_kind="grain", industry="food")
WOOD = EnterpriseProfile(dust_involved=True, dust_kind="wood", industry="woodworking")
LANDLORD = EnterpriseProfile(plant_role="landlord")
TENANT = EnterpriseProfile(plant_role="tenant", industry="machinery")
CATERING_LPG = EnterpriseProfile(gas_user=True, gas_supply="lpg", industry="catering")
CATERING_PIPELINE = EnterpriseProfile(gas_user=True, gas_supply="pipeline", industry="catering")
LPG_OUTLET = EnterpriseProfile(gas_user=True, gas_supply="lpg", gas_role="operator", industry="retail")


def codes(items: list[checklists.ChecklistItem]) -> set[str]:
    return {item.code for item in items}


def applicable_codes(kind: str, profile: EnterpriseProfile, version: int | None = None) -> set[str]:
    return codes(applicable_items(checklists.get(kind, version), profile))


# The packaged files -----


def test_all_three_kinds_load() -> None:
    loaded = checklists.load_all()

    assert set(loaded) == {(kind, version) for kind in ("DUST", "FCZ", "GAS") for version in (1, 2)} | {("VENUE", 1)}
    assert checklists.kinds() == ["DUST", "FCZ", "GAS"]  # VENUE (grid workers') is asked on request only
    assert checklists.askable_kinds() == ["DUST", "FCZ", "GAS", "VENUE"]


@pytest.mark.parametrize("kind", ["DUST", "FCZ", "GAS"])
def test_item_counts_are_in_range(kind: str) -> None:
    items = checklists.get(kind, 1).items

    assert len(items) in COUNT_RANGES[kind]
    assert len(items) == EXPECTED_COUNTS[kind]
    assert len(checklists.get(kind, 2).items) == EXPECTED_COUNTS_V2[kind]


@pytest.mark.parametrize("kind", ["DUST", "FCZ", "GAS"])
def test_codes_are_the_stable_reference_codes(kind: str) -> None:
    expected = {f"{kind}-{n:02d}" for n in range(1, EXPECTED_COUNTS[kind] + 1)}

    assert codes(checklists.get(kind, 1).items) == expected


@pytest.mark.parametrize("kind", ["DUST", "FCZ", "GAS"])
def test_each_checklist_has_three_to_six_titled_sections(kind: str) -> None:
    for version in checklists.versions(kind):
        checklist = checklists.get(kind, version)

        assert 3 <= len(checklist.sections) <= 6
        assert all(section.title and section.items for section in checklist.sections)


@pytest.mark.parametrize(
    ("code", "level"),
    [
        ("DUST-01", "major"),
        ("DUST-07", "major"),
        ("DUST-11", "major"),
        ("DUST-12", "general"),
        ("DUST-25", "general"),
        ("GAS-01", "general"),
        ("GAS-17", "major"),
        ("GAS-23", "major"),
        ("GAS-24", "general"),
        ("FCZ-01", "general"),
        ("FCZ-02", "major"),
        ("FCZ-03", "major"),
        ("FCZ-07", "general"),
    ],
)
def test_major_flags_follow_the_reference_in_version_1(code: str, level: str) -> None:
    item = checklists.get(code.split("-")[0], 1).item(code)

    assert item is not None
    assert item.level == level


def test_major_items_are_exactly_the_reference_set_in_version_1() -> None:
    majors = {
        item.code for kind in checklists.kinds() for item in checklists.get(kind, 1).items if item.is_major
    }

    expected = (
        {f"DUST-{n:02d}" for n in range(1, 12)} | {f"GAS-{n}" for n in range(16, 24)} | {"FCZ-02", "FCZ-03"}
    )
    assert majors == expected


@pytest.mark.parametrize(("code", "days"), [("DUST-07", 0), ("DUST-27", 60), ("GAS-08", 30), ("FCZ-22", 15)])
def test_deadlines_follow_the_reference_defaults(code: str, days: int) -> None:
    item = checklists.latest(code.split("-")[0]).item(code)

    assert item is not None
    assert item.deadline_days == days


def test_only_fcz_items_carry_a_party() -> None:
    assert all(
        item.party is None for item in checklists.latest("DUST").items + checklists.latest("GAS").items
    )
    assert all(item.party in {"landlord", "tenant", "both"} for item in checklists.latest("FCZ").items)


def test_every_item_has_chinese_text_and_a_citation() -> None:
    for kind, version in checklists.load_all():
        for item in checklists.get(kind, version).items:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in item.text), item.code
            assert item.gloss.isascii(), item.code
            assert item.legal_basis, item.code


def test_get_returns_a_version_and_unknown_ones_raise() -> None:
    assert checklists.get("DUST", 1).version == 1
    assert checklists.get("GAS") is checklists.latest("GAS")

    with pytest.raises(UnknownChecklist, match="DUST v99"):
        checklists.get("DUST", 99)
    with pytest.raises(KeyError):
        checklists.get("FIRE")


def test_item_lookup_and_flat_order() -> None:
    dust = checklists.get("DUST", 1)

    assert dust.item("DUST-07") is not None
    assert dust.item("GAS-01") is None
    assert dust.items == [item for section in dust.sections for item in section.items]


def test_load_all_default_is_cached_but_returns_a_copy() -> None:
    first = checklists.load_all()
    first.clear()

    assert checklists.load_all()[("DUST", 1)] is checklists.get("DUST", 1)


def test_content_hash_ignores_layout_but_not_content(tmp_path: Path) -> None:
    original = checklists.get("DUST", 1)
    raw = json.loads((checklists.DEFAULT_DIRECTORY / "DUST.v1.json").read_text(encoding="utf-8"))
    (tmp_path / "DUST.v1.json").write_text(json.dumps(raw, ensure_ascii=True), encoding="utf-8")
    assert checklists.load_all(tmp_path)[("DUST", 1)].content_hash == original.content_hash

    raw["sections"][0]["items"][0]["deadline_days"] = 1
    (tmp_path / "DUST.v1.json").write_text(json.dumps(raw), encoding="utf-8")
    assert checklists.load_all(tmp_path)[("DUST", 1)].content_hash != original.content_hash


def test_models_are_frozen() -> None:
    item = checklists.get("DUST", 1).items[0]

    with pytest.raises(ValueError):
        item.level = "general"  # type: ignore[misc]


# Broken files fail loudly -----


def packaged(kind: str = "DUST") -> dict[str, Any]:
    return json.loads((checklists.DEFAULT_DIRECTORY / f"{kind}.v1.json").read_text(encoding="utf-8"))


def first_item(raw: dict[str, Any]) -> dict[str, Any]:
    return raw["sections"][0]["items"][0]


def duplicate_code(raw: dict[str, Any]) -> None:
    raw["sections"][1]["items"][0]["code"] = first_item(raw)["code"]


def unknown_condition_key(raw: dict[str, Any]) -> None:
    first_item(raw)["applies_if"] = {"dust_type_in": ["wood"]}


def unknown_condition_value(raw: dict[str, Any]) -> None:
    first_item(raw)["applies_if"] = {"all": [{"dust_kind_in": ["aluminum"]}]}


def empty_condition_list(raw: dict[str, Any]) -> None:
    first_item(raw)["applies_if"] = {"any": []}


def bad_level(raw: dict[str, Any]) -> None:
    first_item(raw)["level"] = "critical"


def wrong_prefix(raw: dict[str, Any]) -> None:
    first_item(raw)["code"] = "GAS-01"


def deadline_too_long(raw: dict[str, Any]) -> None:
    first_item(raw)["deadline_days"] = 400


def deadline_as_text(raw: dict[str, Any]) -> None:
    first_item(raw)["deadline_days"] = "7"


def extra_field(raw: dict[str, Any]) -> None:
    first_item(raw)["severity"] = "high"


def party_on_dust_item(raw: dict[str, Any]) -> None:
    first_item(raw)["party"] = "tenant"


def version_zero(raw: dict[str, Any]) -> None:
    raw["version"] = 0


def unknown_kind(raw: dict[str, Any]) -> None:
    raw["kind"] = "FIRE"


BREAKAGES: list[tuple[Callable[[dict[str, Any]], None], str]] = [
    (duplicate_code, "duplicate item code"),
    (unknown_condition_key, "unknown condition key 'dust_type_in'"),
    (unknown_condition_value, "unknown value"),
    (empty_condition_list, "non-empty list"),
    (bad_level, "level"),
    (wrong_prefix, "do not start with DUST-"),
    (deadline_too_long, "deadline_days"),
    (deadline_as_text, "deadline_days"),
    (extra_field, "severity"),
    (party_on_dust_item, "party is only for FCZ"),
    (version_zero, "version"),
    (unknown_kind, "kind"),
]


@pytest.mark.parametrize(("breakage", "message"), BREAKAGES, ids=[b.__name__ for b, _ in BREAKAGES])
def test_broken_content_fails_loudly(
    tmp_path: Path, breakage: Callable[[dict[str, Any]], None], message: str
) -> None:
    raw = packaged()
    breakage(raw)
    (tmp_path / "DUST.v1.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")

    with pytest.raises(ChecklistError, match="DUST.v1.json") as failure:
        checklists.load_all(tmp_path)
    assert message in str(failure.value)


def test_error_names_the_item_that_is_broken(tmp_path: Path) -> None:
    raw = packaged()
    unknown_condition_key(raw)
    (tmp_path / "DUST.v1.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")

    with pytest.raises(ChecklistError, match=r"sections\[0\] \(DUST-A\)\.items\[0\] \(DUST-01\)\.applies_if"):
        checklists.load_all(tmp_path)


def test_fcz_item_without_party_fails(tmp_path: Path) -> None:
    raw = packaged("FCZ")
    first_item(raw)["party"] = None
    (tmp_path / "FCZ.v1.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")

    with pytest.raises(ChecklistError, match="FCZ-01: FCZ items need a party"):
        checklists.load_all(tmp_path)


def test_malformed_json_fails_with_position(tmp_path: Path) -> None:
    (tmp_path / "GAS.v1.json").write_text('{"kind": "GAS", "version": 1,', encoding="utf-8")

    with pytest.raises(ChecklistError, match=r"GAS\.v1\.json: not valid JSON: .* line 1"):
        checklists.load_all(tmp_path)


def test_file_name_must_match_the_content(tmp_path: Path) -> None:
    shutil.copy(checklists.DEFAULT_DIRECTORY / "DUST.v1.json", tmp_path / "DUST.v2.json")

    with pytest.raises(
        ChecklistError, match="DUST.v2.json: the file name says DUST v2 but the content says DUST v1"
    ):
        checklists.load_all(tmp_path)


def test_file_name_must_name_the_kind(tmp_path: Path) -> None:
    shutil.copy(checklists.DEFAULT_DIRECTORY / "DUST.v1.json", tmp_path / "GAS.v1.json")

    with pytest.raises(ChecklistError, match="says GAS v1 but the content says DUST v1"):
        checklists.load_all(tmp_path)


def test_badly_named_file_fails(tmp_path: Path) -> None:
    shutil.copy(checklists.DEFAULT_DIRECTORY / "DUST.v1.json", tmp_path / "dust-1.json")

    with pytest.raises(ChecklistError, match="dust-1.json: file name must look like KIND.vN.json"):
        checklists.load_all(tmp_path)


def test_empty_or_missing_directory_fails(tmp_path: Path) -> None:
    with pytest.raises(ChecklistError, match="no checklist files"):
        checklists.load_all(tmp_path)
    with pytest.raises(ChecklistError, match="not found"):
        checklists.load_all(tmp_path / "absent")


def test_newer_version_becomes_latest(tmp_path: Path) -> None:
    raw = packaged()
    (tmp_path / "DUST.v1.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")
    raw["version"] = 2
    (tmp_path / "DUST.v2.json").write_text(json.dumps(raw, ensure_ascii=False), encoding="utf-8")

    loaded = checklists.load_all(tmp_path)

    assert set(loaded) == {("DUST", 1), ("DUST", 2)}
    assert loaded[("DUST", 1)].content_hash != loaded[("DUST", 2)].content_hash


# Applicability -----


def test_profile_with_nothing_gets_no_kinds_and_no_items() -> None:
    nothing = EnterpriseProfile()

    assert applicable_kinds(nothing) == []
    assert all(applicable_items(checklists.latest(kind), nothing) == [] for kind in checklists.kinds())


def test_kinds_follow_the_profile_in_fixed_order() -> None:
    everything = EnterpriseProfile(dust_involved=True, dust_kind="wood", gas_user=True, plant_role="tenant")

    assert applicable_kinds(everything) == ["DUST", "FCZ", "GAS"]
    assert applicable_kinds(ALMG) == ["DUST"]
    assert applicable_kinds(LANDLORD) == ["FCZ"]
    assert applicable_kinds(CATERING_LPG) == ["GAS"]


def test_aluminium_magnesium_dust_gets_metal_items_and_grain_does_not() -> None:
    almg, grain = applicable_codes("DUST", ALMG), applicable_codes("DUST", GRAIN)

    assert {"DUST-06", "DUST-10", "DUST-24", "DUST-31"} <= almg  # v2: DUST-31 replaces the retired DUST-25
    assert not {"DUST-06", "DUST-09", "DUST-10", "DUST-24", "DUST-31"} & grain
    assert "DUST-25" in applicable_codes("DUST", ALMG, version=1)
    assert {"DUST-01", "DUST-03", "DUST-07", "DUST-11", "DUST-12"} <= grain


def test_wood_dust_gets_the_sander_spark_item() -> None:
    wood = applicable_codes("DUST", WOOD)

    assert {"DUST-06", "DUST-09"} <= wood
    assert "DUST-24" not in wood
    assert "DUST-09" not in applicable_codes("DUST", ALMG)


def test_dust_items_do_not_apply_without_dust() -> None:
    item = checklists.get("DUST").item("DUST-07")

    assert item is not None
    assert applies(item, ALMG)
    assert not applies(item, CATERING_LPG)


def test_landlord_and_tenant_get_different_fcz_items() -> None:
    landlord, tenant = applicable_codes("FCZ", LANDLORD), applicable_codes("FCZ", TENANT)

    assert {"FCZ-01", "FCZ-02", "FCZ-03", "FCZ-21"} <= landlord
    assert not {"FCZ-05", "FCZ-07", "FCZ-13"} & landlord
    assert {"FCZ-05", "FCZ-07", "FCZ-13", "FCZ-20"} <= tenant
    assert not {"FCZ-01", "FCZ-02", "FCZ-03", "FCZ-21"} & tenant
    assert {"FCZ-10", "FCZ-11"} <= landlord & tenant
    assert landlord | tenant == codes(checklists.get("FCZ").items)


def test_catering_lpg_user_gets_cylinder_items_and_pipeline_user_does_not() -> None:
    cylinders = {"GAS-05", "GAS-06", "GAS-07", "GAS-08", "GAS-09"}
    lpg, pipeline = applicable_codes("GAS", CATERING_LPG), applicable_codes("GAS", CATERING_PIPELINE)

    assert cylinders <= lpg
    assert not cylinders & pipeline
    assert {"GAS-01", "GAS-03", "GAS-04"} <= lpg & pipeline
    assert "GAS-02" in pipeline and "GAS-02" not in lpg


def test_both_supplies_match_pipeline_and_lpg_conditions() -> None:
    both = applicable_codes("GAS", EnterpriseProfile(gas_user=True, gas_supply="both", industry="catering"))

    assert {"GAS-02", "GAS-05", "GAS-09"} <= both


def test_operator_items_apply_to_operators_only() -> None:
    operator_items = {f"GAS-{n}" for n in range(16, 23)}
    outlet, restaurant = applicable_codes("GAS", LPG_OUTLET), applicable_codes("GAS", CATERING_LPG)

    assert operator_items <= outlet
    assert not operator_items & restaurant
    assert not {"GAS-01", "GAS-03", "GAS-13"} & outlet


def test_industry_specific_gas_items() -> None:
    factory = EnterpriseProfile(gas_user=True, gas_supply="pipeline", industry="metal_processing")
    bakery = EnterpriseProfile(gas_user=True, gas_supply="pipeline", industry="food")

    assert "GAS-23" in applicable_codes("GAS", factory)
    assert "GAS-01" not in applicable_codes("GAS", factory)
    assert {"GAS-23", "GAS-25"} <= applicable_codes("GAS", bakery)  # v2: GAS-25 replaces the retired GAS-24
    assert not {"GAS-23", "GAS-25"} & applicable_codes("GAS", CATERING_PIPELINE)
    assert {"GAS-23", "GAS-24"} <= applicable_codes("GAS", bakery, version=1)


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        ({"plant_role_in": ["tenant"]}, True),
        ({"plant_role_in": ["landlord"]}, False),
        ({"any": [{"industry_in": ["retail"]}, {"dust_kind_in": ["wood"]}]}, True),
        ({"all": [{"industry_in": ["machinery"]}, {"dust_kind_in": ["grain"]}]}, False),
        ({"gas_supply_in": ["lpg"]}, False),
    ],
)
def test_condition_language(condition: dict[str, Any], expected: bool) -> None:
    profile = EnterpriseProfile(
        dust_involved=True, dust_kind="wood", industry="machinery", plant_role="tenant"
    )

    checklists.check_condition(condition)
    assert checklists.holds(condition, profile) is expected


def test_profile_rejects_unknown_enumerated_values() -> None:
    with pytest.raises(ValueError, match="dust_kind"):
        EnterpriseProfile(dust_involved=True, dust_kind="aluminum")
    with pytest.raises(ValueError, match="plant_role"):
        EnterpriseProfile(plant_role="owner")


def test_checklist_model_is_exported() -> None:
    assert isinstance(checklists.latest("FCZ"), Checklist)
