"""The printed instruments: their content as dataclasses, loaded from the database, rendered as PDF; order links.

May import the hazard loop (the modules at ``hazards``' top), ``hazards.notify``, ``hazards.rules``,
``inspection`` and ``schemas``; never ``hazards.stats``."""
