"""Who is acting: the ``Actor`` and its access rules, user accounts and passwords, signed tokens.

Imports only ``inspection``'s shared modules (models, types, errors, clock) and ``schemas``."""
