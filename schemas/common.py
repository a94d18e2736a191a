"""Shapes shared by every resource: the error envelope, pagination, and the bounded numbers and dates of input.

Every integer and date a client sends is bounded here, so a hostile value (an id past 64 bits, the year 1 or
9999) is a 422 at the door rather than an overflow in the database driver or in date arithmetic. The guard
``tests/server/test_bounded_input.py`` holds every parameter and request body of the OpenAPI to it.
"""

from datetime import UTC, date, datetime
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

T = TypeVar("T")

# Ids are INTEGER columns: 32-bit on PostgreSQL, the narrower of the two databases.
MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
"""A row id: 1 to 2**31-1. Path, query and body ids alike, so none reaches the database past its column."""

MAX_OFFSET = 2**31 - 1
Offset = Annotated[int, Field(ge=0, le=MAX_OFFSET)]

FIRST_DAY, LAST_DAY = date(1900, 1, 1), date(2999, 12, 31)
Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
"""A calendar date with room on both sides for deadline arithmetic and time zones."""

Moment = Annotated[AwareDatetime, Field(ge=datetime(1900, 1, 1, tzinfo=UTC), le=datetime(2999, 12, 31, tzinfo=UTC))]


class ErrorBody(BaseModel):
    code: str = Field(examples=["not_found"])
    message: str = Field(examples=["企业不存在 / enterprise not found"])
    details: Any = None


class ErrorResponse(BaseModel):
    """Every 4xx and 5xx answer has this shape."""

    error: ErrorBody


class Page(BaseModel, Generic[T]):
    items: list[T]
    total: int
    limit: int
    offset: int


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def unchanged_if_omitted(**constraints: Any) -> Any:
    """A field of a partial update (PATCH): leave it out and it keeps its value; ``null`` is refused (422), as
    for any other value of the wrong type, since the column it sets holds no null."""
    return Field(default=None, json_schema_extra=_no_default, **constraints)


class StrictIn(BaseModel):
    """Input models refuse unknown fields, so a client cannot set what it does not own, and text with a NUL
    character, which PostgreSQL cannot store (nested models check their own fields)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    @model_validator(mode="before")
    @classmethod
    def _no_nul(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for value in data.values():
                texts = value if isinstance(value, list) else (value,)
                if any(isinstance(text, str) and "\x00" in text for text in texts):
                    raise ValueError("文本不能含有空字符 (NUL) / text may not contain a NUL character")
        return data
