"""HTTP routes of kioskd, one module per resource; all thin over the daemon's services."""
