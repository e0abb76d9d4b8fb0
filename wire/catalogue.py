"""A signed catalogue bundle's manifest: which site, which version, and every file's digest.

The hub signs the manifest's exact bytes with its Ed25519 key (``manifest.sig`` beside it in the
bundle); since the manifest names each file's SHA-256 and size, that one signature covers the
whole bundle. kioskd checks the signature against the hub's public key it was given, then each file.
"""

from __future__ import annotations

import datetime as dt
import re

from pydantic import Field, field_validator

from wire.base import Strict

MAX_FILES = 500
MAX_BYTES = 50 * 1024 * 1024
# Definitions at the top, translations and recorded prompts in their folders; nothing else travels.
NAME = re.compile(r"^(?:[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}\.yaml|(?:locale|prompts)/[A-Za-z0-9_][A-Za-z0-9_./-]{0,150}"
                  r"\.(?:po|mo|json|wav|ogg|mp3|txt))$")


class BundleFile(Strict):
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    size: int = Field(ge=0, le=MAX_BYTES)


class CatalogueManifest(Strict):
    site: str = Field(min_length=1, max_length=64)
    version: int = Field(ge=1)
    created_at: dt.datetime
    files: dict[str, BundleFile] = Field(max_length=MAX_FILES)

    @field_validator("files")
    @classmethod
    def _names(cls, files: dict[str, BundleFile]) -> dict[str, BundleFile]:
        for name in files:
            if not NAME.match(name) or ".." in name.split("/"):
                raise ValueError(f"{name!r} is not a definition (*.yaml), locale/… or prompts/… file")
        if sum(f.size for f in files.values()) > MAX_BYTES:
            raise ValueError(f"the files add up to more than {MAX_BYTES // (1024 * 1024)} MB")
        return files
