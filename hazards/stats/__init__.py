"""Statistics: figure definitions, closure and on-time tables in SQL, the month tally, lists, exports, the
monthly report.

May import the hazard loop, ``hazards.notify``, ``hazards.rules``, ``inspection`` and ``schemas``; never
``hazards.documents``."""
