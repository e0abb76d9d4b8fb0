"""kioskd: the local daemon that owns the devices, the citizen session and the outbox."""
