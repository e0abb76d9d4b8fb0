"""ID-card-specific errors on top of the shared hierarchy."""

from __future__ import annotations

from drivers.errors import DriverError


class CardRemoved(DriverError):
    """The card left the reader before it could be read completely."""


class CardUnreadable(DriverError):
    """The card stays on the reader but the SAM cannot read it (damaged or not a valid card)."""


class ReaderFault(DriverError):
    """The reader's security module refuses work (self-test failed, not authorised): call a technician."""
