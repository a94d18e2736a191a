"""Field work: checklists and their versioned JSON data, visits, submissions, QR plaques and scans, ratings.

Imports ``inspection.identity``, ``inspection.photos`` and the shared modules, and ``schemas``; never planning."""
