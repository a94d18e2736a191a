"""Statistics: closure and on-time figures, their SQL, the month tally, lists, exports and the monthly report.

Imports ``hazards.models``, ``inspection`` and ``schemas``; nothing of documents, notify or rules."""
