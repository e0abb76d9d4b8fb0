"""Service items (事项) as data and the pure engine that steps a citizen through them."""
