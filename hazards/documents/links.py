"""Order links: the QR printed on a 责令限期整改指令书 opens that order alone, with no account.

The one place that turns an order link token into the order and the Actor who acts through it. The token
is the one the PDF prints (``documents_data.order_token``: purpose ``order``, payload ``{"o": id}``, an
expiry). The actor is an enterprise actor of the order's enterprise, backed by one inactive "link user" per
enterprise, so evidence, photos and the audit trail name who acted (扫码链接) and no one can log in as it.
The enterprise scope alone would open every order of the enterprise: ``hazard_of`` and ``photo_ids_of``
narrow what a link reaches to the order's own hazards and photos.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from hazards.documents.data import ORDER_PURPOSE
from hazards.loop import evidence as evidence_service
from hazards.loop import orders
from hazards.models import Hazard, RectificationOrder
from inspection.errors import NotFound
from inspection.identity import accounts, tokens
from inspection.identity.access import Actor
from inspection.models import Photo, User
from schemas.enums import Role

LINK_USER_PREFIX = "order-link-"
LINK_USER_NAME = "整改指令书扫码链接"
UNUSABLE_PASSWORD = "!"  # not an argon2 hash: verifies as False, and the user is inactive anyway
# how long the link may show a photo it uploaded that no evidence names yet (the portal's preview before sending)
UPLOAD_PREVIEW = timedelta(hours=24)


@dataclass(frozen=True)
class OrderLink:
    order: RectificationOrder
    actor: Actor
    expires_at: datetime | None


def link_username(enterprise_id: int) -> str:
    return f"{LINK_USER_PREFIX}{enterprise_id}"


def _link_user(session: Session, enterprise_id: int, *, create: bool) -> User | None:
    username = link_username(enterprise_id)
    user = session.exec(select(User).where(User.username == username)).first()
    if user is not None or not create:
        return user
    try:
        with session.begin_nested():
            user = User(username=username, password_hash=UNUSABLE_PASSWORD, full_name=LINK_USER_NAME,
                        role=Role.ENTERPRISE, enterprise_id=enterprise_id, is_active=False)
            session.add(user)
            session.flush()
    except IntegrityError:  # made by a concurrent request meanwhile
        user = session.exec(select(User).where(User.username == username)).one()
    return user


def open_link(session: Session, token: str, *, secret: str, now: datetime, write: bool = False) -> OrderLink:
    """The order behind a genuine, unexpired link, and its actor. NotFound (``invalid_token``,
    ``expired_token``) otherwise. ``write`` makes the link user if it does not exist yet (reads never
    need its id: they are scoped by the enterprise and the order)."""
    payload = tokens.verify(secret, ORDER_PURPOSE, token, now=now)
    order_id = payload.get("o")
    order = session.get(RectificationOrder, order_id) if isinstance(order_id, int) else None
    if order is None:
        raise NotFound("整改指令书不存在 / order not found", code="invalid_token")
    user = _link_user(session, order.enterprise_id, create=write)
    if user is not None:
        actor = accounts.actor_for(user)
    else:
        actor = Actor(user_id=0, username=link_username(order.enterprise_id), full_name=LINK_USER_NAME,
                      role=Role.ENTERPRISE, enterprise_id=order.enterprise_id)
    expires = datetime.fromtimestamp(payload["exp"], tz=now.tzinfo) if "exp" in payload else None
    return OrderLink(order=order, actor=actor, expires_at=expires)


def hazards_of(session: Session, link: OrderLink) -> list[Hazard]:
    return orders.hazards_of(session, link.order.id or 0)


def hazard_of(session: Session, link: OrderLink, hazard_id: int) -> Hazard:
    """A hazard listed on the linked order; any other is "not found", even the same enterprise's."""
    for hazard in hazards_of(session, link):
        if hazard.id == hazard_id:
            return hazard
    raise NotFound("隐患不存在 / hazard not found")


def photo_ids_of(session: Session, link: OrderLink) -> set[int]:
    """Every photo the linked order shows: before, after and plan photos, and those of its evidence."""
    hazards = hazards_of(session, link)
    ids: set[int] = set()
    for hazard in hazards:
        ids.update(hazard.before_photo_ids, hazard.after_photo_ids, hazard.plan_photo_ids)
        for evidence in evidence_service.evidence_of(session, hazard.id or 0):
            ids.update(evidence.photo_ids, evidence.plan_photo_ids)
    return ids


def ensure_photo_on_order(session: Session, link: OrderLink, photo_id: int, *, now: datetime) -> None:
    """A photo the order shows, or one uploaded through the enterprise's link in the last day (the portal shows
    an after-photo as soon as it is uploaded, before the evidence names it); any other is "not found"."""
    if photo_id not in photo_ids_of(session, link) and not _fresh_link_upload(session, link, photo_id, now):
        raise NotFound("照片不存在 / photo not found")


def _fresh_link_upload(session: Session, link: OrderLink, photo_id: int, now: datetime) -> bool:
    photo = session.get(Photo, photo_id)
    return (photo is not None and link.actor.user_id != 0 and photo.uploaded_by == link.actor.user_id
            and photo.enterprise_id == link.order.enterprise_id and photo.created_at >= now - UPLOAD_PREVIEW)
