"""Field inspection: identity, the enterprise registry, field work, photos and planning, over shared modules
(``models``, ``types``, ``lookup``, ``clock``, ``errors``, ``fonts``, ``audit``).

Imports ``schemas`` only; never ``hazards``, ``server``, FastAPI or the settings (import-linter keeps it so)."""
