"""厂中厂: who a failed item charges, decided by the server from the catalogue and the tenancies (issue 18).

The item's ``party`` in the checklist says whose duty it is; the visit's place says who that is:

- a lessor's item (``landlord``) charges the site's landlord, whichever enterprise the visit was opened for;
- a tenant's item charges the visited tenant, or on a visit to the landlord every tenant whose tenancy is current
  on the visit's day (the landlord itself when none is);
- an item of both (``both``) charges the landlord and the tenant(s): linked hazards, each party its own order.

The phone's ``party`` never decides: it must agree with the item (``inspection.field.submissions`` refuses one
that does not), and may narrow a ``both`` item to one side only with a reason in the result's note. A pre-lease
inspection (先验后批, ``VisitSource.LEASE``) charges the lessor alone: the tenant has not moved in.
"""

from datetime import date

from sqlmodel import Session

from inspection.field.checklists import ChecklistItem
from inspection.field.submissions import ResultView
from inspection.models import PlantSite, Visit
from inspection.registry import tenancies
from schemas.enums import Party, VisitSource


def charged(session: Session, visit: Visit, item: ChecklistItem, result: ResultView, *, day: date
            ) -> list[tuple[int, Party]]:
    """(enterprise, party) of each hazard a failed item opens: the landlord first."""
    site = session.get(PlantSite, visit.plant_site_id) if visit.plant_site_id is not None else None
    if item.kind != "FCZ" or site is None:
        return [(visit.enterprise_id, Party.SELF)]
    landlord = site.landlord_id
    if visit.source == VisitSource.LEASE:
        return [(landlord, Party.LANDLORD)]
    if visit.enterprise_id != landlord:
        tenants = [visit.enterprise_id]
    else:
        tenants = [t for t in tenancies.current_tenant_ids(session, site.id or 0, day) if t != landlord]
    duty = Party(item.party) if item.party else Party.BOTH
    if duty == Party.BOTH and result.party in (Party.LANDLORD, Party.TENANT):
        duty = result.party  # narrowed by the inspector, with a reason (checked on submission)
    landlord_side = [(landlord, Party.LANDLORD)]
    tenant_side = [(t, Party.TENANT) for t in tenants] or landlord_side
    if duty == Party.LANDLORD:
        return landlord_side
    if duty == Party.TENANT:
        return tenant_side
    return list(dict.fromkeys(landlord_side + tenant_side))
