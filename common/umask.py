"""Every process of the kiosk and the hub creates its files for its own account only (umask 077).

The data dirs hold ID numbers, scans, keys and tokens. systemd sets ``UMask=0077`` for the daemons,
but kioskd, kioskhub, the UI and kioskctl are also run by hand, from a shell whose umask is usually
022: files would then be readable by every account on the machine. Each entry point calls
``private()`` first, so a file made by any code path (SQLite's, a log, a spool) is 0600, a folder 0700.
"""

from __future__ import annotations

import os

PRIVATE = 0o077


def private() -> int:
    """Set the process's umask to 077; returns the one it had."""
    return os.umask(PRIVATE)
