"""安消一体化 at the grassroots: grid workers (网格员) of a street, their advisory checks of small venues (九小场所)
with the VENUE checklist, and the referral of each failed item to its enforcing department. Never an order, a
hazard or an enforcement visit. May import planning (referrals), field (checklists), registry and identity."""
