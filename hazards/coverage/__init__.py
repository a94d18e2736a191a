"""Coverage programs of the district's safety plan. 安责险 (work-safety liability insurance): policies per enterprise,
the key enterprises that must carry one (a rule the office edits, kept as data with its sources), the coverage rate
by street and kind, the uncovered ones, and reminders before a policy expires (``insurance*.py``)."""
