"""IPP/1.1 messages (RFC 8010 §3): requests encoded to bytes, responses decoded from bytes; no I/O.

A message is: version (2 bytes), operation id or status code (2), request id (4), attribute groups,
each opened by a delimiter tag, then the end tag and the document data. An attribute is a value tag,
a 2-byte name length, the name, a 2-byte value length and the value; further values of the same
attribute repeat with an empty name. Collections (§3.1.6) are begCollection ... memberAttrName +
value pairs ... endCollection and are decoded to dicts.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from typing import Any

from drivers.errors import ProtocolError

VERSION = (2, 0)

# operations (RFC 8011 §5.4.15)
PRINT_JOB = 0x0002
VALIDATE_JOB = 0x0004
CANCEL_JOB = 0x0008
GET_JOB_ATTRIBUTES = 0x0009
GET_JOBS = 0x000A
GET_PRINTER_ATTRIBUTES = 0x000B

# delimiter tags (§3.5.1)
OPERATION = 0x01
JOB = 0x02
END = 0x03
PRINTER = 0x04
UNSUPPORTED_GROUP = 0x05

# value tags (§3.5.2)
UNSUPPORTED, UNKNOWN, NO_VALUE = 0x10, 0x12, 0x13
INTEGER, BOOLEAN, ENUM = 0x21, 0x22, 0x23
OCTET_STRING, DATETIME, RESOLUTION, RANGE = 0x30, 0x31, 0x32, 0x33
BEG_COLLECTION, TEXT_LANG, NAME_LANG, END_COLLECTION = 0x34, 0x35, 0x36, 0x37
TEXT, NAME, KEYWORD, URI, URI_SCHEME, CHARSET, LANGUAGE, MIME = 0x41, 0x42, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49
MEMBER_NAME = 0x4A

_STRINGS = {TEXT, NAME, KEYWORD, URI, URI_SCHEME, CHARSET, LANGUAGE, MIME, MEMBER_NAME, 0x40, 0x43}

# status codes (RFC 8011 §B) a kiosk acts on; the rest are reported by number and class
STATUS_NAMES = {
    0x0000: "successful-ok",
    0x0001: "successful-ok-ignored-or-substituted-attributes",
    0x0002: "successful-ok-conflicting-attributes",
    0x0400: "client-error-bad-request",
    0x0401: "client-error-forbidden",
    0x0402: "client-error-not-authenticated",
    0x0403: "client-error-not-authorized",
    0x0404: "client-error-not-possible",
    0x0405: "client-error-timeout",
    0x0406: "client-error-not-found",
    0x0407: "client-error-gone",
    0x0408: "client-error-request-entity-too-large",
    0x040A: "client-error-document-format-not-supported",
    0x040B: "client-error-attributes-or-values-not-supported",
    0x040E: "client-error-compression-not-supported",
    0x0410: "client-error-document-format-error",
    0x0500: "server-error-internal-error",
    0x0501: "server-error-operation-not-supported",
    0x0502: "server-error-service-unavailable",
    0x0503: "server-error-version-not-supported",
    0x0504: "server-error-device-error",
    0x0505: "server-error-temporary-error",
    0x0506: "server-error-not-accepting-jobs",
    0x0507: "server-error-busy",
    0x0508: "server-error-job-canceled",
}
NOT_FOUND = 0x0406
FORMAT_NOT_SUPPORTED = 0x040A
NOT_ACCEPTING = 0x0506
# "busy" and "temporary-error": the request was refused, nothing was kept, the same request may follow
TRY_AGAIN = frozenset({0x0505, 0x0507})


def status_name(code: int) -> str:
    """The keyword of a status code, or its class and number for one this table lacks."""
    if code in STATUS_NAMES:
        return STATUS_NAMES[code]
    kind = {0: "successful", 4: "client-error", 5: "server-error"}.get(code >> 8, "status")
    return f"{kind}-0x{code:04x}"


@dataclass(frozen=True)
class Attr:
    """One attribute to send: name, value tag and one or more values."""

    name: str
    tag: int
    values: tuple[Any, ...]

    @classmethod
    def of(cls, name: str, tag: int, *values: Any) -> Attr:
        return cls(name, tag, values)


@dataclass
class Response:
    """A decoded IPP response: status, request id and its groups (tag, name → list of values)."""

    status: int
    request_id: int
    version: tuple[int, int] = VERSION
    groups: list[tuple[int, dict[str, list[Any]]]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status < 0x0100

    @property
    def status_name(self) -> str:
        return status_name(self.status)

    def group(self, tag: int) -> dict[str, list[Any]]:
        """The first group with this delimiter tag, empty if there is none."""
        return next((attrs for t, attrs in self.groups if t == tag), {})

    def all_groups(self, tag: int) -> list[dict[str, list[Any]]]:
        """Every group with this tag (Get-Jobs answers one job group per job)."""
        return [attrs for t, attrs in self.groups if t == tag]

    def message(self) -> str:
        """The printer's own status-message, if it gave one."""
        values = self.group(OPERATION).get("status-message") or []
        return str(values[0]) if values else ""


# -- encoding --------------------------------------------------------------------------------------
def _value_bytes(tag: int, value: Any) -> bytes:
    if tag in (INTEGER, ENUM):
        return struct.pack(">i", int(value))
    if tag == BOOLEAN:
        return b"\x01" if value else b"\x00"
    if tag in (NO_VALUE, UNKNOWN, UNSUPPORTED):
        return b""
    if tag == RANGE:
        low, high = value
        return struct.pack(">ii", low, high)
    if tag == OCTET_STRING:
        return bytes(value)
    if tag in _STRINGS or tag in (TEXT_LANG, NAME_LANG):
        return str(value).encode("utf-8")
    raise ValueError(f"cannot encode IPP value tag 0x{tag:02x}")


def _attribute(attr: Attr) -> bytes:
    out = bytearray()
    for index, value in enumerate(attr.values):
        name = attr.name.encode("ascii") if index == 0 else b""
        data = _value_bytes(attr.tag, value)
        out += struct.pack(">BH", attr.tag, len(name)) + name + struct.pack(">H", len(data)) + data
    return bytes(out)


def encode_request(operation: int, request_id: int, printer_uri: str, *,
                   operation_attrs: tuple[Attr, ...] = (), job_attrs: tuple[Attr, ...] = (),
                   data: bytes = b"") -> bytes:
    """A request: the three required operation attributes first (RFC 8011 §4.1.4), then the rest."""
    head = (
        Attr.of("attributes-charset", CHARSET, "utf-8"),
        Attr.of("attributes-natural-language", LANGUAGE, "zh-cn"),
        Attr.of("printer-uri", URI, printer_uri),
    )
    out = bytearray(struct.pack(">BBHI", *VERSION, operation, request_id))
    out.append(OPERATION)
    for attr in head + operation_attrs:
        out += _attribute(attr)
    if job_attrs:
        out.append(JOB)
        for attr in job_attrs:
            out += _attribute(attr)
    out.append(END)
    return bytes(out) + data


# -- decoding --------------------------------------------------------------------------------------
class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0

    def take(self, n: int) -> bytes:
        if self.pos + n > len(self.data):
            raise ProtocolError(f"IPP response cut short at byte {self.pos} (needed {n} more of {len(self.data)})")
        chunk = self.data[self.pos:self.pos + n]
        self.pos += n
        return chunk

    def u8(self) -> int:
        return self.take(1)[0]

    def u16(self) -> int:
        return struct.unpack(">H", self.take(2))[0]


def _decode_value(tag: int, raw: bytes) -> Any:
    if tag in (INTEGER, ENUM):
        if len(raw) != 4:
            raise ProtocolError(f"IPP integer of {len(raw)} bytes (must be 4)")
        return struct.unpack(">i", raw)[0]
    if tag == BOOLEAN:
        return raw != b"\x00"
    if tag == RANGE and len(raw) == 8:
        return struct.unpack(">ii", raw)
    if tag == RESOLUTION and len(raw) == 9:
        return struct.unpack(">iib", raw)
    if tag in (TEXT_LANG, NAME_LANG) and len(raw) >= 4:
        lang_len = struct.unpack(">H", raw[:2])[0]
        text = raw[4 + lang_len:]
        return text.decode("utf-8", "replace")
    if tag in _STRINGS:
        return raw.decode("utf-8", "replace")
    if tag in (NO_VALUE, UNKNOWN, UNSUPPORTED):
        return None
    return raw  # octetString, dateTime and extensions: kept as bytes


def _read_collection(reader: _Reader) -> dict[str, Any]:
    """Members up to the matching endCollection; the begCollection's own value is already read."""
    members: dict[str, list[Any]] = {}
    current: str | None = None
    while True:
        tag = reader.u8()
        reader.take(reader.u16())  # a member's own name field is empty (§3.1.6)
        raw = reader.take(reader.u16())
        if tag == END_COLLECTION:
            return {k: v[0] if len(v) == 1 else v for k, v in members.items()}
        if tag == MEMBER_NAME:
            current = raw.decode("utf-8", "replace")
            members.setdefault(current, [])
            continue
        if current is None:
            raise ProtocolError("IPP collection value without a member name")
        value = _read_collection(reader) if tag == BEG_COLLECTION else _decode_value(tag, raw)
        members[current].append(value)


def decode_response(data: bytes) -> Response:
    """Decode a response; raises ProtocolError for bytes that are not an IPP message."""
    if len(data) < 9:
        raise ProtocolError(f"not an IPP response: {len(data)} bytes")
    reader = _Reader(data)
    major, minor = reader.u8(), reader.u8()
    if major not in (1, 2):
        raise ProtocolError(f"not an IPP response: version {major}.{minor}")
    status = reader.u16()
    request_id = struct.unpack(">I", reader.take(4))[0]
    response = Response(status=status, request_id=request_id, version=(major, minor))
    attrs: dict[str, list[Any]] | None = None
    last: str | None = None
    while True:
        tag = reader.u8()
        if tag == END:
            return response
        if tag < 0x10:  # a delimiter opens the next group
            attrs = {}
            response.groups.append((tag, attrs))
            last = None
            continue
        if attrs is None:
            raise ProtocolError("IPP attribute before any group")
        name = reader.take(reader.u16()).decode("utf-8", "replace")
        raw = reader.take(reader.u16())
        value = _read_collection(reader) if tag == BEG_COLLECTION else _decode_value(tag, raw)
        if name:
            last = name
            attrs.setdefault(name, []).append(value)
        elif last is not None:
            attrs[last].append(value)
        else:
            raise ProtocolError("IPP additional value without an attribute")
