"""Which service-item catalogue a kiosk runs, as one short name the hub's fleet view can compare."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from flows.catalog import Catalog
from flows.loader import definition_files


def builtin_version(directories: Sequence[Path]) -> str:
    """``builtin-`` and a digest of the definition files kioskd loaded (the shipped ones and KIOSK_FLOWS_DIR).

    Two kiosks with the same files report the same name, whatever order or clock they started with, so
    staff see at a glance which halls run a hand-copied catalogue that differs from the rest.
    """
    digest = hashlib.sha256()
    for directory in directories:
        if not directory.is_dir():
            continue
        for path in definition_files(directory):
            digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return f"builtin-{digest.hexdigest()[:12]}"


@dataclass
class CatalogueInUse:
    """The catalogue kioskd serves now and its name; replaced whole, between citizens, by a reload."""

    catalog: Catalog
    version: str
