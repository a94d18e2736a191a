"""Photos: the Pillow pipeline (decode, EXIF, variants, watermark), the upload service, storage, CJK fonts.

Imports ``inspection.identity`` and the shared modules, and ``schemas``; nothing of field work or planning."""
