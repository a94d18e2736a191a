"""The hazard loop: findings become hazards (intake), their states, deadlines on the PRC calendar, orders and
their numbers, evidence and review (with the forged-rectification check), extensions, major-hazard measures and
首违免罚 rulings; ``service`` holds the reads and who may act.

May import ``hazards.models``, ``hazards.errors``, ``hazards.notify``, ``hazards.rules``, ``inspection`` and
``schemas``; the rooms (documents, stats) read the loop, never the other way round."""
