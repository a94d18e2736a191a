"""The only package that knows HTTP, tokens, the settings and the scheduler: app, auth, db, routes/, jobs/, CLI.

Imports ``hazards``, ``inspection`` and ``schemas``; nothing imports it back."""
