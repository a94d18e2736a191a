"""The hazard loop at the top (models, states, intake, service, evidence, extensions, orders, deadlines) and its
rooms: documents, stats, notify, rules.

Imports ``inspection`` and ``schemas``; never ``server``, FastAPI or the settings (import-linter keeps it so)."""
