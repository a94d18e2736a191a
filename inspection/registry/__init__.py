"""The enterprise registry: enterprises and plant sites (厂中厂), credit codes, bulk import from CSV/XLSX.

Imports ``inspection.identity`` and the shared modules (models, types, errors, clock) and ``schemas``."""
