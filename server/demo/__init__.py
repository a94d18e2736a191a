"""Demo data for ``make run``: the seed (departments, users, enterprises) and half a year of history."""
