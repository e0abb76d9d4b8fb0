"""The Simplified-Chinese face for certificates: found on disk, and cut down once so each PDF is quick to make.

Noto Sans CJK holds 65,000 glyphs; loading and subsetting all of it for every certificate takes about a
second. So the first certificate cuts a face with GB 2312 (every 汉字 in everyday names and company
names), ASCII and the punctuation used, caches it under the data dir, and later ones start from that
(about 0.2 s). A name with a rarer character is laid out with the full face instead: slower, still right.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection, TTFont

import hub

SC_FAMILY = "Noto Sans CJK SC"
_ASSETS = Path(hub.__file__).resolve().parent.parent / "assets" / "fonts"
_SYSTEM = Path("/usr/share/fonts/opentype/noto")
# Where Debian's fonts-noto-cjk and the project's set-up (the SC face extracted into assets/fonts) put it.
SEARCH = {
    "regular": (_ASSETS / "NotoSansCJKsc-Regular.otf", _SYSTEM / "NotoSansCJKsc-Regular.otf",
                _SYSTEM / "NotoSansCJK-Regular.ttc"),
    "bold": (_ASSETS / "NotoSansCJKsc-Bold.otf", _SYSTEM / "NotoSansCJKsc-Bold.otf", _SYSTEM / "NotoSansCJK-Bold.ttc"),
}  # fmt: skip
_REDUCED_VERSION = b"1"
ASCII = "".join(chr(c) for c in range(0x20, 0x7F))
_build_lock = threading.Lock()
_built: dict[str, Path] = {}  # cut faces made by this process, wherever their data dir is


class FontMissing(RuntimeError):
    """No usable Chinese font; the message says what to install or set."""


@dataclass(frozen=True)
class Face:
    path: Path
    index: int = 0  # face number in a .ttc collection

    @property
    def key(self) -> str:
        st = self.path.stat()
        seed = f"{self.path.resolve()}|{self.index}|{st.st_size}|{st.st_mtime_ns}".encode()
        return hashlib.sha256(seed + _REDUCED_VERSION).hexdigest()[:16]


def find(weight: str, configured: Path | None = None) -> Face:
    """The SC face of ``weight`` (regular or bold): KIOSKHUB_CERTIFICATE_FONT first, then the usual places."""
    if configured is not None:
        candidates: tuple[Path, ...] = (configured,) if weight == "regular" else (
            configured.with_name(configured.name.replace("Regular", "Bold")), configured)  # fmt: skip
    else:
        candidates = SEARCH[weight] + (SEARCH["regular"] if weight == "bold" else ())
    for path in candidates:
        if path.is_file():
            return Face(path, _sc_index(path))
    if configured is not None:
        raise FontMissing(f"KIOSKHUB_CERTIFICATE_FONT names {configured}, which is not a file; "
                          "name the Noto Sans CJK SC .otf or Debian's NotoSansCJK-Regular.ttc")
    raise FontMissing("no Noto Sans CJK SC font found; install Debian's fonts-noto-cjk "
                      "or set KIOSKHUB_CERTIFICATE_FONT to the .otf")


@lru_cache(maxsize=8)
def _sc_index(path: Path) -> int:
    if path.suffix.lower() not in (".ttc", ".otc"):
        return 0
    collection = TTCollection(str(path), lazy=True)
    for index, font in enumerate(collection.fonts):
        if font["name"].getDebugName(1) == SC_FAMILY:
            return index
    raise FontMissing(f"{path} holds no {SC_FAMILY} face; name the SC .otf in KIOSKHUB_CERTIFICATE_FONT")


def gb2312() -> str:
    """Every character of GB 2312 (6,763 汉字 and the symbols), plus printable ASCII."""
    chars = set(ASCII)
    for high in range(0xA1, 0xF8):
        for low in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):  # gaps in the table
                chars.add(bytes((high, low)).decode("gb2312"))
    return "".join(sorted(chars))


def reduced(face: Face, chars: str, cache_dir: Path) -> Path:
    """A face cut down to ``chars`` (and whatever the font maps them through), cached under ``cache_dir``."""
    digest = hashlib.sha256(chars.encode()).hexdigest()[:8]
    name = f"certificate-font-{face.key}-{digest}.otf"
    target = cache_dir / name
    for made in (target, _built.get(name)):
        if made is not None and made.is_file():
            return made
    with _build_lock:
        if target.is_file():
            return target
        # recalcBBoxes=False: recomputing the bounds would draw every glyph (seconds); the full face's are a superset
        font = TTFont(str(face.path), fontNumber=face.index, lazy=True, recalcTimestamp=False, recalcBBoxes=False)
        options = subset.Options(notdef_outline=True, name_IDs=["*"], layout_features=[])
        options.drop_tables += ["GSUB", "GPOS", "GDEF", "VORG", "vhea", "vmtx"]
        cutter = subset.Subsetter(options)
        cutter.populate(unicodes=[ord(c) for c in chars])
        cutter.subset(font)
        cache_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        font.save(str(tmp))
        tmp.replace(target)  # atomic: another hub process may be writing the same file
        _built[name] = target
    return target


@lru_cache(maxsize=16)
def coverage(path: Path, index: int = 0) -> frozenset[int]:
    """The code points a face has glyphs for."""
    font = TTFont(str(path), fontNumber=index, lazy=True)
    return frozenset(font.getBestCmap())
