"""The scheduler (its table of jobs, the single-runner lock, APScheduler) and the job functions it fires.

Jobs call the same domain services as the routes; this package imports ``hazards``, ``inspection``, ``schemas``
and ``server.db``/``server.settings``, never ``server.routes``."""
