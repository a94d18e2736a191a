"""The enterprise registry: enterprises and plant sites (厂中厂), credit codes, bulk import from CSV/XLSX.

May import ``inspection.identity`` and the shared modules; never field work, photos or planning."""
