"""What we print, independent of any printer: text lines, key-value rows, dividers, codes and a cut."""

from __future__ import annotations

import enum
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

# Characters that look right on paper only after swapping: half-width yen is not in GBK, and a
# no-break space would be a 4-byte GB18030 sequence.
_SUBSTITUTES = {"¥": "￥", "\u00a0": " ", "\u2002": " ", "\u2003": " ", "\t": "  "}


class InvalidDocument(ValueError):
    """A document cannot be printed as given; the message says which part and why."""


class Align(enum.StrEnum):
    LEFT = "left"
    CENTER = "center"
    RIGHT = "right"


def clean_text(text: str) -> str:
    """Normalise text for printing; reject characters no printer can show (controls, unassigned)."""
    out = []
    for i, ch in enumerate(text):
        ch = _SUBSTITUTES.get(ch, ch)
        if ch == "\n" or len(ch) > 1:
            out.append(ch)
            continue
        category = unicodedata.category(ch)
        if category in ("Cc", "Cs", "Cn", "Co", "Cf", "Zl", "Zp"):
            raise InvalidDocument(
                f"character U+{ord(ch):04X} at position {i} cannot be printed "
                f"(control, private-use or unassigned); remove it from the text"
            )
        out.append(ch)
    return "".join(out)


@dataclass(frozen=True)
class Text:
    """One paragraph; wrapped to the paper width. ``width``/``height`` are 1..8 (GS !)."""

    text: str
    width: int = 1
    height: int = 1
    bold: bool = False
    align: Align = Align.LEFT

    def __post_init__(self) -> None:
        for name in ("width", "height"):
            value = getattr(self, name)
            if not 1 <= value <= 8:
                raise InvalidDocument(f"text {name} must be 1..8, not {value}")
        object.__setattr__(self, "text", clean_text(self.text))
        object.__setattr__(self, "align", Align(self.align))


@dataclass(frozen=True)
class KeyValue:
    """A row with the key on the left and the value on the right (wrapped below when too long)."""

    key: str
    value: str
    bold: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", clean_text(self.key).replace("\n", " "))
        object.__setattr__(self, "value", clean_text(self.value).replace("\n", " "))


@dataclass(frozen=True)
class Divider:
    """A full-width rule made of one ASCII character."""

    char: str = "-"

    def __post_init__(self) -> None:
        if len(self.char) != 1 or not (0x21 <= ord(self.char) <= 0x7E):
            raise InvalidDocument(f"a divider is one printable ASCII character, not {self.char!r}")


QR_EC_LEVELS = ("L", "M", "Q", "H")


@dataclass(frozen=True)
class QrCode:
    """A QR code printed by the printer itself (GS ( k); ``module`` is dots per module, 1..16."""

    data: str
    module: int = 6
    ec: str = "M"
    align: Align = Align.CENTER

    def __post_init__(self) -> None:
        if not self.data:
            raise InvalidDocument("a QR code needs data")
        if not 1 <= self.module <= 16:
            raise InvalidDocument(f"QR module size must be 1..16 dots, not {self.module}")
        if self.ec not in QR_EC_LEVELS:
            raise InvalidDocument(f"QR error correction must be one of L, M, Q, H, not {self.ec!r}")
        object.__setattr__(self, "align", Align(self.align))


@dataclass(frozen=True)
class Barcode:
    """A CODE128 barcode (code set B) with its text printed below."""

    data: str
    height: int = 64
    module: int = 2
    hri: bool = True
    align: Align = Align.CENTER

    def __post_init__(self) -> None:
        if not self.data or any(not 0x20 <= ord(c) <= 0x7E for c in self.data):
            raise InvalidDocument("barcode data must be printable ASCII (CODE128 set B)")
        if len(self.data) > 80:
            raise InvalidDocument(f"barcode data is {len(self.data)} characters; at most 80 fit")
        if not 1 <= self.height <= 255:
            raise InvalidDocument(f"barcode height must be 1..255 dots, not {self.height}")
        if not 2 <= self.module <= 6:
            raise InvalidDocument(f"barcode module width must be 2..6 dots, not {self.module}")
        object.__setattr__(self, "align", Align(self.align))


@dataclass(frozen=True)
class Feed:
    """Blank lines."""

    lines: int = 1

    def __post_init__(self) -> None:
        if not 0 <= self.lines <= 255:
            raise InvalidDocument(f"feed must be 0..255 lines, not {self.lines}")


@dataclass(frozen=True)
class Cut:
    """Feed the paper past the cutter and cut (full or partial)."""

    partial: bool = False
    feed: int = 4

    def __post_init__(self) -> None:
        if not 0 <= self.feed <= 255:
            raise InvalidDocument(f"feed before a cut must be 0..255 lines, not {self.feed}")


Block = Text | KeyValue | Divider | QrCode | Barcode | Feed | Cut
_BLOCK_TYPES: dict[str, type] = {
    cls.__name__: cls for cls in (Text, KeyValue, Divider, QrCode, Barcode, Feed, Cut)
}


@dataclass(frozen=True)
class Document:
    """A sequence of blocks; a cut at the end is added by the template, not implied."""

    blocks: tuple[Block, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        object.__setattr__(self, "blocks", tuple(self.blocks))
        for block in self.blocks:
            if not isinstance(block, tuple(_BLOCK_TYPES.values())):
                raise InvalidDocument(f"{type(block).__name__} is not a document block")

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able form, used to spool jobs to disk."""
        return {"blocks": [{"type": type(b).__name__, **asdict(b)} for b in self.blocks]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """Rebuild a document written by :meth:`to_dict`."""
        blocks = []
        for item in data.get("blocks", []):
            fields = dict(item)
            kind = fields.pop("type", None)
            if kind not in _BLOCK_TYPES:
                raise InvalidDocument(f"unknown block type {kind!r}")
            blocks.append(_BLOCK_TYPES[kind](**fields))
        return cls(tuple(blocks))


def title(text: str) -> Text:
    """A centred, bold, double-size heading."""
    return Text(text, width=2, height=2, bold=True, align=Align.CENTER)
