"""The statistics data set generated inside PostgreSQL (``bench_stats --pg-generate``): hazards and their audit
events from ``generate_series`` with ``INSERT … SELECT``, no rows through Python.

The same distributions as ``bench_stats.generate`` (which stays the builder for SQLite and the default on
PostgreSQL); the departments and enterprises are its very rows (same seed, copied in). What differs:

- the random numbers are PostgreSQL's (``setseed``), so hazard by hazard the rows are not the Python builder's,
  only distributed alike;
- the found instants are stratified (hazard ``i`` uniform in the ``i``-th of ``n`` equal slices of the five years)
  rather than ``n`` uniform draws sorted: already in id order with no sort, the same density;
- an event's id is ``3 × (hazard id − 1) + k + 1`` for the hazard's ``k``-th event: ids in hazard order with a gap
  where a hazard has fewer than three events (the hashes follow the ids, as in the Python builder).
"""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, text

from inspection.field import checklists

DEPARTMENT_KINDS = {1: ("DUST", "FCZ"), 2: ("FCZ",), 3: ("GAS",), 4: ("GAS",), 5: ("DUST",)}  # bench_stats.DEPARTMENTS
DEPARTMENT_CUTS = (40, 60, 80, 92)  # cumulative DEPARTMENT_WEIGHTS (40, 20, 20, 12, 8) of 100


def _department(draw: str) -> str:
    arms = " ".join(f"WHEN {draw} * 100 < {cut} THEN {i}" for i, cut in enumerate(DEPARTMENT_CUTS, start=1))
    return f"CASE {arms} ELSE {len(DEPARTMENT_CUTS) + 1} END"


def _kind(department: str, draw: str) -> str:
    arms = []
    for i, kinds in DEPARTMENT_KINDS.items():
        if len(kinds) == 1:
            arms.append(f"WHEN {department} = {i} THEN '{kinds[0]}'")
        else:
            arms.append(f"WHEN {department} = {i} THEN (ARRAY{list(kinds)!r})[1 + floor({draw} * {len(kinds)})::int]")
    return f"CASE {' '.join(arms)} END"


HAZARDS_SQL = """
INSERT INTO hazard (id, enterprise_id, department_id, kind, item_code, level, description, legal_basis, status,
                    deadline_days, due_at, found_at, closed_at, fixed_on_spot, plan_required, repeat_of_id,
                    suspected_false_rectification, street, industry, risk_class, found_month, due_month, close_days,
                    voided, checklist_version, party, working_days, before_photo_ids, after_photo_ids,
                    plan_photo_ids, deadline_set_by_office)
SELECT c.id, c.enterprise_id, c.department_id, c.kind, c.code, CASE WHEN c.major THEN 'major' ELSE 'general' END,
       c.text, c.legal_basis, c.status, c.days, c.due_at, c.found_at, c.closed_at, c.spot, c.major AND NOT c.spot,
       c.repeat_of_id, c.repeat_of_id IS NOT NULL, e.street, e.industry, e.risk_class,
       to_char(c.found_day, 'YYYY-MM'), to_char(c.found_day + c.days, 'YYYY-MM'),
       (c.closed_at AT TIME ZONE 'Asia/Shanghai')::date - c.found_day,
       c.voided, 1, 'self', false, '[]'::json, '[]'::json, '[]'::json, false
FROM (
  SELECT s.*,
         CASE WHEN s.voided OR s.spot OR s.kept THEN 'closed'
              WHEN s.r_submitted < 0.3 THEN 'submitted' ELSE 'open' END AS status,
         CASE WHEN s.voided THEN s.found_at + make_interval(hours => 1 + floor(s.r_void_hours * 47)::int)
              WHEN s.spot THEN s.found_at + make_interval(mins => 5 + floor(s.r_spot_minutes * 85)::int)
              WHEN s.kept THEN s.closes END AS closed_at
  FROM (
    SELECT t.*, t.closes <= :as_of AND t.r_never >= 0.02 AS kept
    FROM (
      SELECT k.*,
             ((k.found_day + k.days) + time '23:59:59') AT TIME ZONE 'Asia/Shanghai' AS due_at,
             k.found_at + make_interval(hours => floor(k.r_took_hours * 8)::int)
               + interval '1 day' * CASE WHEN k.r_late < 0.15 THEN k.days - 10 * ln(1 - k.r_took)
                                         ELSE k.days * k.r_took END AS closes
      FROM (
        SELECT j.*,
               CASE WHEN j.spot THEN j.deadline_days
                    ELSE greatest(j.deadline_days, CASE WHEN j.major THEN 7 ELSE 1 END) END AS days
        FROM (
          SELECT f.id, f.enterprise_id, f.department_id, f.kind, i.code, i.text, i.legal_basis, i.deadline_days,
                 i.major OR f.r_major < 0.02 AS major, i.deadline_days = 0 AND f.r_spot < 0.6 AS spot,
                 f.r_void < 0.002 AS voided, f.found_local::date AS found_day,
                 f.found_local AT TIME ZONE 'Asia/Shanghai' AS found_at,
                 CASE WHEN f.id > 1000 AND f.r_repeat < 0.03
                      THEN 1 + floor(f.r_repeat_of * (f.id - 501))::int END AS repeat_of_id,
                 f.r_void_hours, f.r_spot_minutes, f.r_late, f.r_took, f.r_took_hours, f.r_never, f.r_submitted
          FROM (
            SELECT d.*,
                   -- inspections happen in office hours: an hour outside 8-17 becomes 8 + hour % 10
                   d.at_local + make_interval(hours => CASE WHEN extract(hour FROM d.at_local) BETWEEN 8 AND 17
                                                            THEN 0
                                                            ELSE 8 + extract(hour FROM d.at_local)::int % 10
                                                                 - extract(hour FROM d.at_local)::int END)
                     AS found_local,
                   {kind} AS kind
            FROM (
              SELECT g AS id,
                     timestamp '{start}' + make_interval(secs => floor((g - 1 + random()) * :span / :n))
                       AS at_local,
                     {department} AS department_id,
                     1 + floor({enterprises} * power(random(), 1.5))::int AS enterprise_id,
                     random() AS r_kind, random() AS r_item, random() AS r_major, random() AS r_spot,
                     random() AS r_void, random() AS r_void_hours, random() AS r_spot_minutes, random() AS r_late,
                     random() AS r_took, random() AS r_took_hours, random() AS r_never, random() AS r_submitted,
                     random() AS r_repeat, random() AS r_repeat_of
              FROM (SELECT g, random() AS r_department FROM generate_series(1, :n) AS g OFFSET 0) AS gd
              OFFSET 0
            ) AS d
            OFFSET 0
          ) AS f
          JOIN bench_item AS i ON i.kind = f.kind AND i.idx = floor(f.r_item * i.items)::int
        ) AS j
      ) AS k
    ) AS t
  ) AS s
) AS c
JOIN enterprise AS e ON e.id = c.enterprise_id
"""

# a hazard's audit trail, as bench_stats.generate writes it: created; then void, close on the spot, submit (and
# accept when closed); an event after the first is at the closing instant, or a day after found if not closed
EVENTS_SQL = """
INSERT INTO event (id, entity, entity_id, action, at, before, after, reason, prev_hash, hash, entity_chain)
SELECT 3 * (h.id - 1) + a.k + 1, 'hazard', h.id, a.action, a.at, '{"status": "open"}'::json,
       ('{"status": "' || h.status || '"}')::json, '',
       lpad(to_hex(3 * (h.id - 1) + a.k), 64, '0'), lpad(to_hex(3 * (h.id - 1) + a.k + 1), 64, '0'), false
FROM hazard AS h
CROSS JOIN LATERAL (VALUES
  (0, 'hazard.created', h.found_at),
  (1, CASE WHEN h.voided THEN 'hazard.void'
           WHEN h.fixed_on_spot THEN 'hazard.close_on_spot'
           WHEN h.closed_at IS NOT NULL OR h.status = 'submitted' THEN 'hazard.submit' END,
      coalesce(h.closed_at, h.found_at + interval '1 day')),
  (2, CASE WHEN NOT h.voided AND NOT h.fixed_on_spot AND h.closed_at IS NOT NULL THEN 'hazard.accept' END,
      h.closed_at)
) AS a (k, action, at)
WHERE a.action IS NOT NULL
"""


def load(engine: Engine, n: int, *, start: Any, end: Any, as_of: Any, enterprises: int, seed: float = 0.2026
         ) -> dict[str, float]:
    """Hazards and events generated in the database (the departments and enterprises already there, the
    secondary indexes dropped); seconds per phase."""
    items = [(kind, idx, item.code, item.text, item.legal_basis, item.deadline_days, item.is_major)
             for kind in ("DUST", "FCZ", "GAS") for idx, item in enumerate(checklists.latest(kind).items)]
    counts = {kind: sum(1 for row in items if row[0] == kind) for kind in ("DUST", "FCZ", "GAS")}
    hazards_sql = HAZARDS_SQL.format(kind=_kind("d.department_id", "d.r_kind"),
                                     department=_department("gd.r_department"), enterprises=enterprises,
                                     start=f"{start:%Y-%m-%d} 00:00:00")
    span = int((end - start) / timedelta(seconds=1))
    timings: dict[str, float] = {}
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL session_replication_role = replica"))  # no per-row foreign-key checks
        conn.execute(text("CREATE TEMP TABLE bench_item (kind text, idx int, items int, code text, text text, "
                          "legal_basis text, deadline_days int, major bool) ON COMMIT DROP"))
        conn.execute(text("INSERT INTO bench_item VALUES (:kind, :idx, :items, :code, :text, :legal_basis, :days, "
                          ":major)"),
                     [dict(kind=k, idx=i, items=counts[k], code=c, text=t, legal_basis=b, days=d, major=m)
                      for k, i, c, t, b, d, m in items])
        conn.execute(text("SELECT setseed(:seed)"), {"seed": seed})
        began = time.perf_counter()
        conn.execute(text(hazards_sql), {"n": n, "span": span, "as_of": as_of})
        timings["hazards"] = time.perf_counter() - began
        began = time.perf_counter()
        conn.execute(text(EVENTS_SQL))
        timings["events"] = time.perf_counter() - began
    return timings
