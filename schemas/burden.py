"""The inspection burden on enterprises (监管一件事+综合查一次) on the wire."""

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class EnterpriseBurdenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    enterprise_id: int
    enterprise_name: str
    street: str
    trips: int = Field(description="入企次数: times inspectors came to the gate in the quarter")
    department_visits: int = Field(description="部门检查次数: departments summed over those trips")
    joint_trips: int = Field(description="联合检查次数: trips two or more departments shared")
    trips_saved: int = Field(description="减少入企次数 = department_visits - trips")
    routine_trips: int = Field(description="例行检查次数, counted against the quarter's cap")
    routine_cap: int
    green_listed: bool
    over_cap: bool = Field(description="over the quarter's routine cap or a department's yearly cap")
    departments: dict[str, int] = Field(description="department code -> trips it took part in")
    over_annual_cap: dict[str, int] = Field(description="department code -> this year's visits, over its cap")


class BurdenOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    quarter: str = Field(examples=["2026Q4"])
    first_day: date
    last_day: date
    enterprises: int = Field(description="enterprises visited in the quarter")
    trips: int
    department_visits: int
    joint_trips: int
    trips_saved: int = Field(description="减少入企次数: the figure a district reports upward")
    over_cap: int = Field(description="enterprises over a cap")
    rows: list[EnterpriseBurdenOut]
    total: int = Field(description="rows matching, before paging")
