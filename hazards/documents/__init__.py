"""The printed instruments: their data loaded from the database, PDF rendering and layout, order links.

Imports the hazard loop (``hazards.models``, ``hazards.errors``), ``inspection`` and ``schemas``."""
