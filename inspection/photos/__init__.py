"""Photos: the Pillow pipeline (decode, EXIF, variants, watermark stamp), the upload service, storage.

May import ``inspection.field`` (a photo is taken on a visit), the lower rooms and the shared modules; never
planning."""
