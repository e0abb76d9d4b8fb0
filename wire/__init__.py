"""What kioskd sends the hub, defined once for both: the application, the rating, the queue ticket, the
numbers of the kiosk's own block, a case notice and the heartbeat.

kioskd checks a payload against these models before it stores or sends it, and the hub parses its
requests with the same classes, so a mismatch is found at the kiosk before a citizen is told anything.
Pydantic and ``common`` only: neither side's code is imported here.
"""
