"""Planning: inspection tasks, the 综合查一次 merge (pure) and its job, the 双随机 draw.

May import ``inspection.field`` (tasks become visits), the lower rooms and the shared modules; never photos."""
