"""Sign-off of the printed instruments: signatures as their own capture (re-signing audited with a reason, a
refusal recorded with its witness) and service (送达: consent to electronic service, 送达回执 per instrument).

May import the hazard loop (the modules at ``hazards``' top), ``hazards.rules``, ``inspection`` and ``schemas``;
``hazards.documents`` reads it to print signatures and receipts."""
