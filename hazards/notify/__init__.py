"""Telling people: the outbox, its delivery and webhooks, and the deadline sweep that queues reminders.

Imports the hazard loop, ``hazards.rules``, ``inspection`` and ``schemas``; nothing of documents or stats."""
