"""Shapes shared by every resource: the error envelope and pagination."""

from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")


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


class StrictIn(BaseModel):
    """Input models refuse unknown fields, so a client cannot set what it does not own."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
