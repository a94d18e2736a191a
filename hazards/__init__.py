"""Hazards: the table models and errors at the top, the loop in ``hazards.loop`` and the rooms that read it
(documents, stats), tell people (notify) and hold the law as data (rules).

Imports ``inspection`` and ``schemas``; never ``server``, FastAPI or the settings (import-linter keeps it so)."""
