"""Service items (事项) as data and the pure engine that steps a citizen through them.

``catalog.load_catalog()`` gives the shipped items; ``engine.start`` and ``engine.transition`` step a
session (raising ``engine.EventNotAccepted`` for events that do not fit); ``view.session_view`` projects a
snapshot onto the wire schema; ``events.client_event`` builds events from the wire.
"""
