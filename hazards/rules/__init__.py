"""Rules that are data: 首违免罚 (first-violation leniency) and the green list (绿名单).

Imports ``hazards.models``, ``inspection`` and ``schemas``."""
