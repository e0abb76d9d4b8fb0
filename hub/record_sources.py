"""Where certificates read a citizen's 社保 and 公积金 records: an interface, and the reference hub's own source.

The reference source answers from the records an operator imported (``kioskhub records import``).
A province plugs in its own (the 社保 or 公积金 centre's system, an exchange platform) by naming a
factory in ``KIOSKHUB_RECORDS_SOURCE=package.module:factory``; the factory is called once with the
hub's settings and returns an object with the ``find`` method below. It raises RecordsUnavailable
when the system behind it does not answer, so the kiosk can say "try again later" rather than "no record".
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Literal, Protocol, cast

from sqlalchemy.exc import DBAPIError

from hub import records
from hub.db.session import Database
from hub.personal import Keys
from hub.records import HousingFund, SocialInsurance
from hub.settings import HubSettings

RecordKind = Literal["social_insurance", "housing_fund"]


class RecordsUnavailable(RuntimeError):
    """The records source did not answer; the message is for the operator and holds no personal data."""


class RecordsSource(Protocol):
    def find(self, kind: RecordKind, id_type: str, id_number: str) -> SocialInsurance | HousingFund | None:
        """The person's record of ``kind``, or None when there is none; RecordsUnavailable when it cannot tell."""
        ...


class ImportedRecords:
    """The reference source: records imported into the hub's own database, decrypted with its key."""

    def __init__(self, db: Database, keys: Keys) -> None:
        self._db = db
        self._keys = keys

    def find(self, kind: RecordKind, id_type: str, id_number: str) -> SocialInsurance | HousingFund | None:
        try:
            with self._db.read() as session:
                found = records.find(session, self._keys, kind, id_type, id_number)
        except DBAPIError:
            raise RecordsUnavailable("the hub's database did not answer the records lookup") from None
        return None if found is None else cast(SocialInsurance | HousingFund, found.entry)


def open_source(settings: HubSettings, db: Database, keys: Keys) -> RecordsSource:
    """The source KIOSKHUB_RECORDS_SOURCE names, or the imported records when it is empty."""
    if settings.records_source is None:
        return ImportedRecords(db, keys)
    module_name, _, attr = settings.records_source.partition(":")
    try:
        factory = getattr(importlib.import_module(module_name), attr)
    except (ImportError, AttributeError) as exc:
        raise RecordsUnavailable(
            f"KIOSKHUB_RECORDS_SOURCE={settings.records_source} cannot be loaded ({type(exc).__name__}); "
            "check the module is installed and names the factory"
        ) from None
    return cast(Callable[[HubSettings], RecordsSource], factory)(settings)
