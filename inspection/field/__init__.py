"""Field work: checklists and their versioned JSON data, visits, submissions, QR plaques and scans, ratings.

May import ``inspection.registry``, ``inspection.identity`` and the shared modules; never photos or planning."""
