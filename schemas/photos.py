"""Photos, their public verification and visit signatures."""

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from schemas.common import Id, StrictIn


class PhotoUrls(BaseModel):
    original: str
    display: str
    thumb: str
    verify: str


class PhotoPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    sha256: str = Field(description="SHA-256 of the original bytes as uploaded")
    verify_code: str = Field(description="printed on the display image; resolves at /photos/verify/{code}")
    content_type: str
    size_bytes: int = Field(description="size of the original as uploaded")
    trailing_bytes: int | None = Field(
        default=None, description="bytes after the image's end in the original: a phone's motion photo, or "
        "something hidden in a photo; 0 for a plain image, null when not measured (older uploads)")
    width: int
    height: int
    captured_at: datetime | None
    latitude: float | None
    longitude: float | None
    visit_id: int | None
    enterprise_id: int | None
    purpose: str | None = Field(default=None, description="signature: a signature capture")
    created_at: datetime
    urls: PhotoUrls


class PhotoVerification(BaseModel):
    """What a printed or forwarded photo's code reveals to anyone: enough to check it, no image."""

    code: str
    sha256: str
    captured_at: datetime | None
    enterprise_name: str | None
    inspector_name: str | None
    uploaded_at: datetime


class SignatureIn(StrictIn):
    photo_id: Id = Field(description="the representative's signature, uploaded through POST /photos with "
                                     "purpose=signature")
    signer_name: str = Field(default="", max_length=64, description="who signed (default: the representative)")
    reason: str = Field(default="", max_length=255, description="required when signing again")

