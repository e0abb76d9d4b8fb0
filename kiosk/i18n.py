"""String catalogues: every text the UI shows comes from ``kiosk/locale/<lang>.yaml``.

Lookups fall back to Simplified Chinese, then to the key itself, so a half-translated
catalogue never shows an empty button. ``stretch`` repeats every string (the layout test uses 2
to check that screens survive strings twice as long).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
BASE = "zh_CN"


class CatalogueError(Exception):
    """A catalogue file is missing or malformed."""


def _flatten(tree: dict[str, Any], prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        if not isinstance(key, str):  # YAML reads bare yes/no/on/off keys as booleans
            raise CatalogueError(f"key {prefix}{key!r} is not text; quote it or rename it")
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


@cache
def load_raw(language: str) -> tuple[dict[str, str], dict[str, Any]]:
    """The flattened strings and the ``_meta`` table of one catalogue."""
    path = LOCALE_DIR / f"{language}.yaml"
    if not path.exists():
        known = ", ".join(sorted(p.stem for p in LOCALE_DIR.glob("*.yaml")))
        raise CatalogueError(f"no catalogue for language {language!r}; known: {known}")
    try:
        tree = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise CatalogueError(f"{path.name} is not valid YAML: {exc}") from None
    meta = tree.pop("_meta", {}) if isinstance(tree, dict) else {}
    if not isinstance(tree, dict):
        raise CatalogueError(f"{path.name} must be a mapping of keys to strings")
    return _flatten(tree), meta


def languages() -> list[str]:
    """Every language with a catalogue."""
    return sorted(p.stem for p in LOCALE_DIR.glob("*.yaml"))


class Catalogue:
    """Looks up strings of one language, falling back to Simplified Chinese."""

    def __init__(self, language: str = BASE, stretch: int = 1) -> None:
        self.language = language
        self.strings, self.meta = load_raw(language)
        self.base, _ = load_raw(BASE)
        self.stretch = max(1, stretch)

    def missing(self) -> list[str]:
        """Keys the base catalogue has and this one lacks."""
        return sorted(set(self.base) - set(self.strings))

    def t(self, key: str, **values: object) -> str:
        """The string for ``key`` with ``{name}`` placeholders filled in."""
        template = self.strings.get(key) or self.base.get(key) or key
        try:
            text = template.format(**values) if values else template
        except (KeyError, IndexError, ValueError):
            text = template
        return text * self.stretch if self.stretch > 1 else text
