"""The API's routers are matched in the order of ``server.app.ROUTERS`` (busiest first, for speed): no route may
be shadowed by one matched before it, e.g. /visits/{id} taking /visits/{id}.pdf."""

import re
from collections.abc import Sequence

from fastapi import APIRouter
from fastapi.routing import APIRoute

from server.app import ROUTERS
from server.routes import documents, visits


def _sample(path: str) -> str:
    """A concrete path for a route's template: 7 for ids and integers, a word for the rest."""
    return re.sub(r"\{([^}:]+)(:[^}]+)?\}",
                  lambda m: "7" if m.group(2) == ":int" or m.group(1).endswith("id") else "x7", path)


def shadowed(routers: Sequence[APIRouter]) -> list[str]:
    routes = [route for router in routers for route in router.routes if isinstance(route, APIRoute)]
    found = []
    for route in routes:
        for method in route.methods:
            path = _sample(route.path)
            first = next(r for r in routes if r.path_regex.match(path) and method in r.methods)
            if first is not route:
                found.append(f"{method} {path}: {route.path} is shadowed by {first.path}")
    return found


def test_every_route_is_reached_by_its_own_paths() -> None:
    assert len(ROUTERS) == len(set(map(id, ROUTERS)))
    assert shadowed(ROUTERS) == []


def test_a_shadowed_route_is_found() -> None:
    found = shadowed([visits.router, documents.router])
    assert "GET /visits/7.pdf: /visits/{visit_id:int}.pdf is shadowed by /visits/{visit_id}" in found
