"""The escalation ladder as data: who is told how many days after a deadline passes (``rules/data/escalation.json``).

Each step names days overdue and recipients: ``enterprise`` (only at 0 days: the overdue notice), ``inspector``
(the inspectors who found the hazard), ``head`` (the department's heads), ``office``, ``leader`` (the district's
leaders: the configured usernames, else the office's accounts). Major hazards reach the office at once whatever the
office's step says. The sweep (``sweep.sweep_deadlines``) walks the ladder; every step is keyed by hazard and
deadline, so repeated sweeps tell nobody twice."""

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hazards.notify.sweep import LADDER_RECIPIENTS, LadderStep, SweepPolicy

DEFAULT_FILE = Path(__file__).resolve().parent.parent / "rules" / "data" / "escalation.json"
RECIPIENTS = ("enterprise", "office", *LADDER_RECIPIENTS)


@dataclass(frozen=True)
class Ladder:
    office_after_days: int
    steps: tuple[LadderStep, ...]
    leaders: tuple[str, ...]
    verified: bool

    def policy(self, *, remind_days: tuple[int, ...]) -> SweepPolicy:
        return SweepPolicy(remind_days=remind_days, escalate_general_after_days=self.office_after_days,
                           steps=self.steps, leaders=self.leaders)


def parse(data: dict[str, Any], *, office_fallback_days: int = 3) -> Ladder:
    """ValueError, naming the step, for a ladder that cannot be followed."""
    office: int | None = None
    steps: list[LadderStep] = []
    for i, step in enumerate(data.get("steps", [])):
        days = step.get("after_days")
        if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= 365:
            raise ValueError(f"escalation step {i}: after_days must be a whole number of days 0–365, got {days!r}")
        for who in step.get("notify", []):
            if who not in RECIPIENTS:
                raise ValueError(f"escalation step {i}: unknown recipient {who!r}; allowed: {', '.join(RECIPIENTS)}")
            if who == "enterprise" and days != 0:
                raise ValueError(f"escalation step {i}: the enterprise is told when the deadline passes (0 days)")
            if who == "office":
                office = days if office is None else min(office, days)
            elif who != "enterprise":
                steps.append(LadderStep(notify=who, after_days=days))
    leaders = data.get("leaders", [])
    if not isinstance(leaders, list) or not all(isinstance(name, str) for name in leaders):
        raise ValueError("escalation leaders must be a list of usernames")
    if len({s.notify for s in steps}) != len(steps):
        raise ValueError("escalation: each recipient appears in one step only")
    return Ladder(office_after_days=office_fallback_days if office is None else office, steps=tuple(steps),
                  leaders=tuple(leaders), verified=bool(data.get("verified", False)))


def load(path: Path | None = None, *, leaders: tuple[str, ...] = (), office_fallback_days: int = 3) -> Ladder:
    """The ladder in ``path`` (the packaged default when None); ``leaders``, when given, replace the file's."""
    ladder = parse(json.loads((path or DEFAULT_FILE).read_text(encoding="utf-8")),
                   office_fallback_days=office_fallback_days)
    if leaders:
        ladder = Ladder(ladder.office_after_days, ladder.steps, tuple(leaders), ladder.verified)
    return ladder
