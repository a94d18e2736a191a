"""工业厂房出租“先验后批”: a lessor's lease application, its pre-lease inspection, the approving body's decision
and the tenancy it records, the 出租前安全检查意见 (a local practice, not a licence). Above the loop (a failed
pre-lease item is a hazard like any other) and the documents' layout; nothing below imports it."""
