"""Rules kept as data: 首违免罚 (first-violation leniency, ``data/leniency.json``) and the green list (绿名单).

The lowest room of ``hazards``: imports ``hazards.models``, ``inspection`` and ``schemas`` only."""
