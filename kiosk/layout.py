"""Layout decisions from the window's shape, free of Kivy: portrait or landscape, the home screen's
tile pages, the stages a citizen goes through. Tested without a window.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

PORTRAIT = "portrait"
LANDSCAPE = "landscape"

T = TypeVar("T")


def shape_for(size: tuple[float, float]) -> str:
    """Portrait for floor-standing kiosks (1080x1920); landscape for desk and wall ones (1920x1080, 1280x1024)."""
    width, height = size
    return LANDSCAPE if width > height else PORTRAIT


# -- the home screen's tiles ---------------------------------------------------------------------

@dataclass(frozen=True)
class Block:
    """One theme's tiles on one row of the home grid (a theme with more items than a row spans rows)."""

    theme: str
    items: tuple
    continued: bool = False  # the theme began on an earlier row


def pack_rows(groups: Sequence[tuple[str, Sequence[T]]], cols: int) -> list[list[Block]]:
    """Themes packed into rows of ``cols`` tiles, each under its heading, in order; a theme that does
    not fit in what is left of a row starts the next one, unless a later small theme fills the gap
    (first fit), so a hall with many one-item themes still fills its rows."""
    blocks: list[Block] = []
    for theme, items in groups:
        for start in range(0, len(items), cols):
            blocks.append(Block(theme, tuple(items[start:start + cols]), continued=start > 0))
    rows: list[list[Block]] = []
    free: list[int] = []
    for block in blocks:
        # A theme's continuation stays below its start: only rows after the theme's last one.
        first = 0
        if block.continued:
            first = max(i for i, row in enumerate(rows) if any(b.theme == block.theme for b in row)) + 1
        for i in range(first, len(rows)):
            if free[i] >= len(block.items):
                rows[i].append(block)
                free[i] -= len(block.items)
                break
        else:
            rows.append([block])
            free.append(cols - len(block.items))
    return rows


def paginate(rows: Sequence[T], per_page: int, first_page: int | None = None) -> list[list[T]]:
    """Rows split into pages of ``per_page``; ``first_page`` makes the first one shorter (elder mode)."""
    per_page = max(1, per_page)
    first = max(1, min(per_page, first_page if first_page is not None else per_page))
    pages = [list(rows[:first])] if rows else [[]]
    rest = list(rows[first:])
    pages += [rest[i:i + per_page] for i in range(0, len(rest), per_page)]
    return pages


def grid_columns(width: float, tile_min: float, gap: float, most: int = 6) -> int:
    """How many tiles of at least ``tile_min`` fit side by side in ``width``."""
    return max(1, min(most, math.floor((width + gap) / (tile_min + gap))))


def rows_fitting(height: float, row_h: float, gap: float) -> int:
    """How many rows of ``row_h`` fit in ``height`` (at least one)."""
    return max(1, math.floor((height + gap) / (row_h + gap)))


# -- progress ---------------------------------------------------------------------------------------

# The stages a citizen is told about (读卡 → 核验 → 填写 → 拍照 → 签名 → 核对 → 提交 → 打印) and the step kinds in each.
STAGE_OF_KIND = {"identify": "identify", "verify_face": "verify", "form": "fill", "choose": "fill",
                 "capture": "capture", "review": "review", "sign": "sign", "submit": "submit", "print": "print"}
STAGE_ORDER = ("identify", "verify", "fill", "capture", "sign", "review", "submit", "print")


@dataclass(frozen=True)
class Stages:
    names: tuple[str, ...]  # the stages this item goes through, in order
    current: int  # index of the stage now; -1 before the first (guide, consent); len(names) when all are done


def stages_for(step_kinds: Sequence[str], step_number: int) -> Stages:
    """The stages of an item from its steps' kinds, and where step ``step_number`` (1-based) stands."""
    present = {STAGE_OF_KIND[k] for k in step_kinds if k in STAGE_OF_KIND}
    names = tuple(s for s in STAGE_ORDER if s in present)
    if not names:
        return Stages((), -1)
    here = step_kinds[step_number - 1] if 0 < step_number <= len(step_kinds) else ""
    if here in STAGE_OF_KIND:
        return Stages(names, names.index(STAGE_OF_KIND[here]))
    # a step outside the stages (guide, consent, rate, done): between the last stage passed and the next
    before = [STAGE_OF_KIND[k] for k in step_kinds[: max(0, step_number - 1)] if k in STAGE_OF_KIND]
    if not before:
        return Stages(names, -1)
    last = names.index(before[-1])
    return Stages(names, len(names) if last == len(names) - 1 else last)
