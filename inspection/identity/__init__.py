"""Who is acting: the ``Actor`` and its access rules, user accounts and passwords, signed tokens.

The lowest room: imports only the shared modules (``inspection.models``, ``types``, ``errors``, ``clock``) and
``schemas`` (import-linter keeps it so)."""
