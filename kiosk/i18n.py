"""String catalogues: every text the UI shows comes from ``kiosk/locale/<lang>.yaml``.

Lookups fall back to Simplified Chinese, then to the key itself, so a half-translated
catalogue never shows an empty button. ``stretch`` repeats every string (the layout test uses 2
to check that screens survive strings twice as long).

Minority-language catalogues (Tibetan, Uyghur) are bilingual, as kiosks in the autonomous regions
are: a translated string comes back as two lines, the minority language first and the Chinese
below. A string whose filled-in values the script's font cannot draw (a place name in Chinese, a
case number in Latin letters) comes back in Chinese only, never half in boxes. Traditional
Mongolian is written vertically, which a label cannot do: its strings come back in Chinese, and
``own``/``own_pick`` give the Mongolian to the vertical column drawn beside them.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from .scripts import drawable

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


def language_name(language: str) -> str:
    """The language's name in its own script (中文, བོད་ཡིག, ئۇيغۇرچە) for the language switch."""
    return str(load_raw(language)[1].get("switch") or load_raw(language)[1].get("name") or language)


def vertical_name(language: str) -> str:
    """A vertically written language's name in its own script (ᠮᠣᠩᠭᠣᠯ), '' for the others."""
    meta = load_raw(language)[1]
    return str(meta.get("name") or "") if meta.get("direction") == "ttb" else ""


_TIBETAN_DIGITS = str.maketrans("0123456789", "༠༡༢༣༤༥༦༧༨༩")


class Catalogue:
    """Looks up strings of one language, falling back to Simplified Chinese."""

    def __init__(self, language: str = BASE, stretch: int = 1) -> None:
        self.language = language
        self.strings, self.meta = load_raw(language)
        self.base, _ = load_raw(BASE)
        self.stretch = max(1, stretch)
        self.script = str(self.meta.get("script", "Hans"))
        self.bilingual = language != BASE and bool(self.meta.get("bilingual", True))
        self.vertical = self.meta.get("direction") == "ttb"

    def missing(self) -> list[str]:
        """Keys the base catalogue has and this one lacks."""
        return sorted(set(self.base) - set(self.strings))

    @staticmethod
    def _fill(template: str, values: dict[str, object]) -> str:
        try:
            return template.format(**values) if values else template
        except (KeyError, IndexError, ValueError):
            return template

    def _own_values(self, values: dict[str, object]) -> dict[str, object]:
        if self.meta.get("digits") != "tibetan":
            return values
        # Noto Serif Tibetan has no European digits: counts are written in Tibetan numerals.
        return {k: str(v).translate(_TIBETAN_DIGITS) if isinstance(v, int) or str(v).isdigit() else v
                for k, v in values.items()}

    def t(self, key: str, **values: object) -> str:
        """The string for ``key`` with ``{name}`` placeholders filled in."""
        chinese = self._fill(self.base.get(key) or key, values)
        own = self.strings.get(key) if self.language != BASE else None
        return self._combine(self._fill(own, self._own_values(values)) if own else "", chinese)

    def pick(self, chinese: str, translations: Mapping[str, str] | None) -> str:
        """A text that came with the data (an item's name, a step's title) and its translations by language."""
        own = (translations or {}).get(self.language, "") if self.language != BASE else ""
        return self._combine(own, chinese)

    def own(self, key: str, **values: object) -> str:
        """The string in this language alone, '' when there is none its font can draw (or it is Chinese)."""
        text = self.strings.get(key) if self.language != BASE else None
        text = self._fill(text, self._own_values(values)) if text else ""
        return text if text and drawable(text, self.script) else ""

    def own_pick(self, translations: Mapping[str, str] | None) -> str:
        """A text that came with the data in this language alone, '' when there is none it can draw."""
        text = (translations or {}).get(self.language, "") if self.language != BASE else ""
        return text if text and drawable(text, self.script) else ""

    def _combine(self, own: str, chinese: str) -> str:
        """The own-language text above the Chinese, or the Chinese alone when there is none it can draw
        (or the language is written vertically: its column is drawn beside the label)."""
        if not own or self.vertical or not drawable(own, self.script):
            return chinese * self.stretch
        own *= self.stretch
        return f"{own}\n{chinese * self.stretch}" if self.bilingual else own

    def chinese(self, key: str, **values: object) -> str:
        """The Simplified-Chinese string alone (what a fallback shows)."""
        return self._fill(self.base.get(key) or key, values) * self.stretch
