from fastapi import APIRouter, HTTPException

from hazards.notify import webhooks as webhook_service
from inspection.types import utcnow
from schemas.common import Id
from schemas.webhooks import DeliveryPublic, WebhookCreated, WebhookIn, WebhookPublic
from server.auth import CurrentActor
from server.db import SessionDep, WriteSessionDep
from server.jobs.functions import webhook_policy
from server.settings import get_settings

router = APIRouter(tags=["webhooks"])


@router.post("/webhooks", response_model=WebhookCreated, status_code=201)
def register_webhook(body: WebhookIn, session: WriteSessionDep, actor: CurrentActor) -> WebhookCreated:
    """Deliveries are POSTs signed with `X-Xuncha-Signature: sha256=<HMAC of the body>`; `X-Xuncha-Event`
    carries the event's unique id so receivers can drop repeats. The host must resolve to public addresses
    only, or to networks (or be a host) listed in `XUNCHA_WEBHOOK_ALLOWED_NETWORKS` (422 otherwise); each
    delivery checks again."""
    unknown = sorted(set(body.event_types) - set(webhook_service.EVENT_TYPES))
    if unknown:
        raise HTTPException(422, f"未知事件类型 / unknown event types: {', '.join(unknown)}")
    hook = webhook_service.register(session, url=body.url, event_types=body.event_types, secret=body.secret,
                                    actor=actor, now=utcnow(), policy=webhook_policy(get_settings()))
    session.commit()
    return WebhookCreated(**hook.model_dump(include={"id", "url", "event_types", "active", "created_at", "secret"}))


@router.get("/webhooks", response_model=list[WebhookPublic])
def list_webhooks(session: SessionDep, actor: CurrentActor) -> list[WebhookPublic]:
    return [WebhookPublic(**h.model_dump(include={"id", "url", "event_types", "active", "created_at"}),
                          deliveries=counts) for h, counts in webhook_service.listing(session, actor=actor)]


@router.get("/webhooks/{webhook_id}/deliveries", response_model=list[DeliveryPublic])
def webhook_deliveries(webhook_id: Id, session: SessionDep, actor: CurrentActor) -> list[DeliveryPublic]:
    return [DeliveryPublic.model_validate(r) for r in webhook_service.deliveries(session, webhook_id, actor=actor)]


@router.delete("/webhooks/{webhook_id}", response_model=WebhookPublic)
def deactivate_webhook(webhook_id: Id, session: WriteSessionDep, actor: CurrentActor) -> WebhookPublic:
    hook = webhook_service.deactivate(session, webhook_id, actor=actor, now=utcnow())
    session.commit()
    return WebhookPublic(**hook.model_dump(include={"id", "url", "event_types", "active", "created_at"}))
