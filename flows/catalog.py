"""The service items a kiosk offers, keyed by code, for the home screen and the daemon."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flows.loader import DEFINITIONS_DIR, check_file, definition_files
from flows.model import ServiceItem
from flows.validate import DefinitionError, Problem


def load_catalog(directory: str | Path | None = None) -> dict[str, ServiceItem]:
    """Every definition in ``directory`` (the shipped ones by default); one bad file fails the whole load."""
    catalog = assemble([Path(directory) if directory else DEFINITIONS_DIR])
    if catalog.problems:
        raise DefinitionError(catalog.problems)
    return catalog.items


@dataclass(frozen=True)
class Catalog:
    """What a kiosk can offer, and why anything it was told to offer is missing."""

    items: dict[str, ServiceItem]
    problems: list[Problem] = field(default_factory=list)
    left_out: list[str] = field(default_factory=list)  # codes not offered because of a problem


def assemble(directories: Sequence[Path], offered: Sequence[str] | None = None) -> Catalog:
    """The items of ``directories`` in order, a later file replacing an earlier one of the same code.

    A file with problems is left out on its own and its code is not offered at all (not even an
    earlier version: a hall's own rules that fail to load must not fall back to someone else's), so
    one bad file never takes the kiosk's other services away. ``offered`` keeps only those codes.
    """
    items: dict[str, ServiceItem] = {}
    broken: set[str] = set()
    problems: list[Problem] = []
    for directory in directories:
        if not directory.is_dir():
            problems.append(Problem(str(directory), 1, "not a folder of definition files; fix KIOSK_FLOWS_DIR"))
            continue
        for path in definition_files(directory):
            item, found = check_file(path)
            if found or item is None:
                problems += found
                broken.add(path.stem)
                items.pop(path.stem, None)
            else:
                items[item.code] = item
                broken.discard(item.code)
    if offered is not None:
        wanted = list(dict.fromkeys(offered))
        for code in wanted:
            if code not in items and code not in broken:
                problems.append(Problem("KIOSK_ITEMS", 1, f"no definition has the code {code!r}; "
                                        f"known codes: {', '.join(sorted(items)) or 'none'}"))
        items = {code: item for code, item in items.items() if code in wanted}
        broken &= set(wanted)
    ordered = dict(sorted(items.items(), key=lambda kv: (kv[1].theme, kv[0])))
    return Catalog(ordered, sorted(problems), sorted(broken))


def summaries(catalog: dict[str, ServiceItem]) -> list[dict[str, Any]]:
    """One dict per item, shaped like ``local_api.schemas.ServiceItemSummary``, grouped by theme."""
    return [{"code": item.code, "name": item.name, "theme": item.theme, "kiosk_complete": item.kiosk_complete,
             "icon": item.icon,
             "names": {lang: words.name for lang, words in item.translations.items() if words.name},
             "themes": {lang: words.theme for lang, words in item.translations.items() if words.theme}}
            for item in catalog.values()]
