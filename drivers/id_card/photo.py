"""Plug-in point for decoding the 1024-byte WLT photo: a vendor library loaded with ctypes.

No open-source WLT decoder exists; every vendor ships a closed one (``libwlt2bmp.so``,
``libwltdecode.so``, ``WltRS.dll``...). The record always keeps the raw bytes, so decoding is optional.
"""

from __future__ import annotations

import ctypes
import threading

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
