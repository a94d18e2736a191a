"""Planning: inspection tasks, the 综合查一次 merge (pure) and its job, the 双随机 draw.

Imports ``inspection.identity`` and the shared modules, and ``schemas``; never field work or photos."""
