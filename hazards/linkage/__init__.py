"""燃气"审管联动": registrations by the approving side (a new business licence with gas use, a change of gas use, a new
bottled-LPG user) become gas inspection tasks of the department responsible, and the inspection's outcome goes back.

REFERENCE §B: no Jiangsu/Changzhou document on "审管联动" was found, so it is modelled as an event feed, not a legal
rule; the routing of event kinds to departments is data (``data/routing.json``), marked unverified.
"""
