"""Telling people: the outbox (written in the change's own transaction), its delivery, webhooks, and the
deadline sweep that queues reminders, escalations and re-inspections.

May import ``hazards.models``, ``hazards.rules``, ``inspection`` and ``schemas``; never documents or stats."""
