"""Plug-in point for decoding the 1024-byte WLT photo: a vendor library loaded with ctypes.

No open-source WLT decoder exists; every vendor ships a closed one (``libwlt2bmp.so``,
``libwltdecode.so``, ``WltRS.dll``...). The record always keeps the raw bytes, so decoding is optional.
"""

from __future__ import annotations

import ctypes
import threading
from pathlib import Path

from drivers.errors import DeviceNotFound, DriverError
from drivers.id_card.protocol import PHOTO_SIZE

# A 102 x 126 24-bit BMP: 14 + 40 header bytes, rows padded to 308 bytes.
BMP_SIZE = 14 + 40 + 308 * 126


class WltDecoder:
    """Calls ``int SYMBOL(const char *wlt, char *bmp, int flag)`` in a vendor library (1 = success).

    That is the common libwlt2bmp shape (``unpack``); other vendors need their own symbol name, or a
    thin wrapper library with this signature. Vendor decoders are rarely re-entrant, hence the lock.
    """

    def __init__(self, library_path: str, symbol: str = "unpack") -> None:
        try:
            lib = ctypes.CDLL(library_path)
        except OSError as exc:
            raise DeviceNotFound(f"cannot load WLT photo decoder {library_path!r} ({exc})") from None
        try:
            self._fn = getattr(lib, symbol)
        except AttributeError:
            raise DeviceNotFound(f"WLT photo decoder {library_path!r} has no function {symbol!r}") from None
        self._fn.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_int]
        self._fn.restype = ctypes.c_int
        self._lock = threading.Lock()

    def decode(self, wlt: bytes) -> bytes:
        """The photo as BMP bytes."""
        if len(wlt) != PHOTO_SIZE:
            raise DriverError(f"WLT photo must be {PHOTO_SIZE} bytes, got {len(wlt)}")
        out = ctypes.create_string_buffer(BMP_SIZE)
        with self._lock:
            result = self._fn(bytes(wlt), out, 0)
        if result != 1:
            raise DriverError(f"the vendor WLT decoder refused the photo (returned {result})")
        return out.raw


def load_decoder(library_path: str | None, symbol: str = "unpack") -> WltDecoder | None:
    """The configured decoder, or None when none is configured (photos then stay as WLT bytes)."""
    return WltDecoder(library_path, symbol) if library_path else None


# -- the simulator's cards --------------------------------------------------------------------
# A simulated card's WLT block is this marker, the name of a photo in assets/faces, and zeros. Real
# WLT data is vendor-encrypted and never starts like this, so a real card cannot be mistaken for one.
SIM_MARKER = b"KIOSK-SIM-WLT\x00"
SIM_PHOTOS = Path(__file__).resolve().parents[2] / "assets" / "faces"
CARD_PHOTO_SIZE = (102, 126)


def sim_wlt(name: str) -> bytes:
    """The WLT block of a simulated card whose photo is ``assets/faces/NAME-card.jpg``."""
    body = SIM_MARKER + name.encode("ascii")
    return body + bytes(PHOTO_SIZE - len(body))


class SimWltDecoder:
    """The simulator's decoder (``KIOSK_WLT_DECODER=sim:``): gives the photo the card names, as a
    102 x 126 BMP like a vendor decoder's, so the whole 人证核验 path runs without hardware."""

    def decode(self, wlt: bytes) -> bytes:
        import cv2

        if len(wlt) != PHOTO_SIZE:
            raise DriverError(f"WLT photo must be {PHOTO_SIZE} bytes, got {len(wlt)}")
        if not wlt.startswith(SIM_MARKER):
            raise DriverError("this card's photo is not a simulated one; the sim: decoder reads only the "
                              "simulator's cards (configure the vendor's decoder for real cards)")
        name = wlt[len(SIM_MARKER):].split(b"\x00", 1)[0].decode("ascii", "replace")
        path = SIM_PHOTOS / f"{name}-card.jpg"
        image = cv2.imread(str(path)) if name.isidentifier() and path.is_file() else None
        if image is None:
            raise DriverError(f"the simulated card names photo {name!r}, which is not in assets/faces")
        small = cv2.resize(image, CARD_PHOTO_SIZE, interpolation=cv2.INTER_AREA)
        _ok, buf = cv2.imencode(".bmp", small)
        small.fill(0)
        return buf.tobytes()


def decoder_from_setting(value: str | None, symbol: str = "unpack") -> WltDecoder | SimWltDecoder | None:
    """The decoder a setting names: ``sim:``, a vendor library's path, or nothing (None)."""
    if not value:
        return None
    if value == "sim:":
        return SimWltDecoder()
    return WltDecoder(value, symbol)
