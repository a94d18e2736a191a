from datetime import datetime

from pydantic import BaseModel, ConfigDict

from schemas.enums import Role


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: datetime
    role: Role


class DepartmentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str


class MePublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    full_name: str
    role: Role
    department: DepartmentPublic | None = None
    enterprise_id: int | None = None
    cert_no: str | None = None
    department_head: bool = False


class DepartmentHeadIn(BaseModel):
    department_head: bool


class DepartmentHeadOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    department_id: int | None = None
    department_head: bool
