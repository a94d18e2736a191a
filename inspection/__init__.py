"""Field inspection: enterprises, plant sites, checklists, visits, photos, QR plaques."""
