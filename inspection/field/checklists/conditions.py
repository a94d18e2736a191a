"""When a checklist item applies to an enterprise: the condition language and the enterprise profile.

Condition language (an item's ``applies_if``; ``null`` means "every enterprise the checklist applies to").
A condition is a JSON object with exactly one key:

    {"dust_kind_in": [...]}    profile.dust_kind is one of: aluminium_magnesium, other_metal, wood, grain,
                               plastic, textile, other
    {"gas_supply_in": [...]}   the profile's gas is one of: pipeline, lpg (gas_supply "both" matches either)
    {"gas_role_in": [...]}     profile.gas_role is one of: user, operator
    {"industry_in": [...]}     profile.industry is one of INDUSTRIES
    {"plant_role_in": [...]}   profile.plant_role is one of: landlord, tenant
    {"lessor_industry_in": [...]}  the industry of the site's lessor (the enterprise itself when it is the
                               landlord) is one of INDUSTRIES; None outside a rented site
    {"all": [cond, ...]}       every sub-condition holds
    {"any": [cond, ...]}       at least one sub-condition holds

Lists are non-empty and hold known values only; anything else makes the file fail to load. A profile value
of ``None`` matches no list. On top of ``applies_if``, an item applies only if its checklist kind applies to
the profile (``applicable_kinds``), and an FCZ item's ``party`` must fit the profile's plant role.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from schemas.enums import DustKind, GasRole, GasSupply

DUST_KINDS: frozenset[str] = frozenset(kind.value for kind in DustKind)


GAS_SUPPLIES: frozenset[str] = frozenset(supply.value for supply in GasSupply)


GAS_ROLES: frozenset[str] = frozenset(role.value for role in GasRole)


INDUSTRIES: frozenset[str] = frozenset(
    {
        "catering",
        "food",
        "woodworking",
        "metal_processing",
        "machinery",
        "plastics",
        "textile",
        "chemical",
        "glass_ceramics",
        "logistics",
        "retail",
        "other",
    }
)


# 工贸 industries (冶金、有色、建材、机械、轻工、纺织、烟草、商贸) among INDUSTRIES: chemical firms and catering are not
# 工贸 enterprises; "other" is not assumed to be one
INDUSTRIAL_TRADE: frozenset[str] = frozenset(
    {"food", "woodworking", "metal_processing", "machinery", "plastics", "textile", "glass_ceramics", "logistics",
     "retail"}
)


PLANT_ROLES: frozenset[str] = frozenset({"landlord", "tenant"})


CONDITION_VALUES: dict[str, frozenset[str]] = {
    "dust_kind_in": DUST_KINDS,
    "gas_supply_in": GAS_SUPPLIES - {GasSupply.BOTH.value},
    "gas_role_in": GAS_ROLES,
    "industry_in": INDUSTRIES,
    "plant_role_in": PLANT_ROLES,
    "lessor_industry_in": INDUSTRIES,
}


COMBINATORS: frozenset[str] = frozenset({"all", "any"})


CONDITION_KEYS: frozenset[str] = frozenset(CONDITION_VALUES) | COMBINATORS


Condition = dict[str, Any]


Party = Literal["landlord", "tenant", "both"]


@dataclass(frozen=True)
class EnterpriseProfile:
    """What the applicability rules need to know about an enterprise."""

    dust_involved: bool = False
    dust_kind: str | None = None
    gas_user: bool = False
    gas_supply: str | None = None  # "pipeline", "lpg" or "both"
    gas_role: str = GasRole.USER.value
    industry: str = "other"  # free text; conditions can only name INDUSTRIES
    plant_role: str | None = None  # "landlord", "tenant" or None (not in a rented site)
    lessor_industry: str | None = None  # the site landlord's industry (its own when it is the landlord)

    def __post_init__(self) -> None:
        _check_choice("dust_kind", self.dust_kind, DUST_KINDS, optional=True)
        _check_choice("gas_supply", self.gas_supply, GAS_SUPPLIES, optional=True)
        _check_choice("gas_role", self.gas_role, GAS_ROLES, optional=False)
        _check_choice("plant_role", self.plant_role, PLANT_ROLES, optional=True)



def _check_choice(name: str, value: str | None, allowed: frozenset[str], *, optional: bool) -> None:
    if value is None and optional:
        return
    if value not in allowed:
        raise ValueError(f"{name}={value!r} is not one of {sorted(allowed)}")



def check_condition(condition: Any) -> None:
    """Raise ValueError unless ``condition`` is a well-formed condition (see the module docstring)."""
    if not isinstance(condition, Mapping) or len(condition) != 1:
        raise ValueError(f"a condition must be an object with exactly one key, got {condition!r}")
    ((key, value),) = condition.items()
    if key not in CONDITION_KEYS:
        raise ValueError(f"unknown condition key {key!r}; known keys: {', '.join(sorted(CONDITION_KEYS))}")
    if not isinstance(value, list) or not value:
        raise ValueError(f"condition {key!r} needs a non-empty list, got {value!r}")
    if key in COMBINATORS:
        for sub in value:
            check_condition(sub)
        return
    unknown = [v for v in value if not isinstance(v, str) or v not in CONDITION_VALUES[key]]
    if unknown:
        raise ValueError(
            f"condition {key!r}: unknown value(s) {unknown}; "
            f"allowed: {', '.join(sorted(CONDITION_VALUES[key]))}"
        )



def party_fits(party: Party | None, plant_role: str | None) -> bool:
    if party is None:
        return True
    if party == "both":
        return plant_role in PLANT_ROLES
    return party == plant_role



def holds(condition: Condition, profile: EnterpriseProfile) -> bool:
    """Evaluate a (validated) condition against a profile."""
    ((key, value),) = condition.items()
    if key == "all":
        return all(holds(sub, profile) for sub in value)
    if key == "any":
        return any(holds(sub, profile) for sub in value)
    return _LEAF_TESTS[key](profile, frozenset(value))



def _gas_supplies(profile: EnterpriseProfile) -> frozenset[str]:
    if profile.gas_supply == GasSupply.BOTH:
        return frozenset({GasSupply.PIPELINE.value, GasSupply.LPG.value})
    return frozenset({profile.gas_supply}) if profile.gas_supply else frozenset()



_LEAF_TESTS: dict[str, Callable[[EnterpriseProfile, frozenset[str]], bool]] = {
    "dust_kind_in": lambda profile, values: profile.dust_kind in values,
    "gas_supply_in": lambda profile, values: bool(_gas_supplies(profile) & values),
    "gas_role_in": lambda profile, values: profile.gas_role in values,
    "industry_in": lambda profile, values: profile.industry in values,
    "plant_role_in": lambda profile, values: profile.plant_role in values,
    "lessor_industry_in": lambda profile, values: profile.lessor_industry in values,
}
