"""The shipped service items, keyed by code, for the home screen and the daemon."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from flows.loader import check_file, definition_files
from flows.model import ServiceItem
from flows.validate import DefinitionError, Problem


def load_catalog(directory: str | Path | None = None) -> dict[str, ServiceItem]:
    """Every definition in ``directory`` (the shipped ones by default); one bad file fails the whole load."""
    items: dict[str, ServiceItem] = {}
    problems: list[Problem] = []
    for path in definition_files(directory):
        item, found = check_file(path)
        problems += found
        if item is not None:
            items[item.code] = item
    if problems:
        raise DefinitionError(problems)
    return dict(sorted(items.items(), key=lambda kv: (kv[1].theme, kv[0])))


def summaries(catalog: dict[str, ServiceItem]) -> list[dict[str, Any]]:
    """One dict per item, shaped like ``local_api.schemas.ServiceItemSummary``, grouped by theme."""
    return [{"code": item.code, "name": item.name, "theme": item.theme, "kiosk_complete": item.kiosk_complete,
             "icon": item.icon} for item in catalog.values()]
