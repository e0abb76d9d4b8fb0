"""IPP over HTTP (RFC 8010 §4): one POST of ``application/ipp`` per operation, with the standard library.

Written on ``http.client`` rather than a library: pyipp is asyncio + aiohttp and reads printer
attributes only, pycups binds libcups and talks to CUPS alone, ipptool's text output is no interface.
A fresh connection per operation costs a millisecond on a LAN and survives a printer that restarts.
Errors say whether the request may have reached the printer (``request_sent``), which decides
whether a retry could print twice.
"""

from __future__ import annotations

import http.client
import itertools
import socket
import ssl
from dataclasses import dataclass

from drivers.a4_printer import ipp
from drivers.errors import DeviceNotFound, DeviceTimeout, DriverError, ProtocolError


@dataclass(frozen=True)
class Endpoint:
    """Where the printer's IPP service is: host, port, HTTP path, TLS, or a local socket (CUPS)."""

    host: str
    port: int
    path: str
    tls: bool = False
    verify: bool = False  # IPP Everywhere printers ship self-signed certificates
    socket_path: str = ""

    @property
    def printer_uri(self) -> str:
        """The printer-uri operation attribute; over a socket CUPS expects a localhost URI."""
        scheme = "ipps" if self.tls else "ipp"
        return f"{scheme}://{self.host}:{self.port}{self.path}"

    def __str__(self) -> str:
        return f"{self.printer_uri} via {self.socket_path}" if self.socket_path else self.printer_uri


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: str, timeout: float) -> None:
        super().__init__("localhost", timeout=timeout)
        self._path = path

    def connect(self) -> None:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(self.timeout)
        sock.connect(self._path)
        self.sock = sock


def _mark(exc: DriverError, sent: bool) -> DriverError:
    exc.request_sent = sent  # type: ignore[attr-defined]
    return exc


class IppClient:
    """Sends IPP operations to one endpoint; each call is one HTTP exchange."""

    def __init__(self, endpoint: Endpoint, *, timeout: float = 10.0, device: str = "") -> None:
        self.endpoint = endpoint
        self.timeout = timeout
        self.device = device or str(endpoint)
        self._ids = itertools.count(1)

    def _connection(self, timeout: float) -> http.client.HTTPConnection:
        ep = self.endpoint
        if ep.socket_path:
            return _UnixConnection(ep.socket_path, timeout)
        if ep.tls:
            context = ssl.create_default_context()
            if not ep.verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            return http.client.HTTPSConnection(ep.host, ep.port, timeout=timeout, context=context)
        return http.client.HTTPConnection(ep.host, ep.port, timeout=timeout)

    def call(self, operation: int, *, operation_attrs: tuple[ipp.Attr, ...] = (),
             job_attrs: tuple[ipp.Attr, ...] = (), data: bytes = b"", timeout: float | None = None) -> ipp.Response:
        """One operation; raises DeviceNotFound / DeviceTimeout (with ``request_sent``) or ProtocolError."""
        request_id = next(self._ids)
        body = ipp.encode_request(operation, request_id, self.endpoint.printer_uri,
                                  operation_attrs=operation_attrs, job_attrs=job_attrs, data=data)
        conn = self._connection(self.timeout if timeout is None else timeout)
        try:
            try:
                conn.connect()
            except TimeoutError:
                raise _mark(DeviceTimeout(f"no connection to {self.endpoint} within {conn.timeout:g} s; "
                                          "check the printer's power and network", device=self.device), False) from None
            except ssl.SSLCertVerificationError as exc:
                raise _mark(DeviceNotFound(f"the printer's TLS certificate is not trusted ({exc.verify_message}); "
                                           "install its CA on this machine, or leave out verify=1",
                                           device=self.device), False) from None
            except OSError as exc:
                raise _mark(DeviceNotFound(f"cannot reach {self.endpoint} ({exc.strerror or exc}); check the "
                                           "printer's power, network cable and address", device=self.device),
                            False) from None
            try:
                conn.request("POST", self.endpoint.path, body=body,
                             headers={"Content-Type": "application/ipp", "Accept": "application/ipp"})
                reply = conn.getresponse()
                payload = reply.read()
            except TimeoutError:
                raise _mark(DeviceTimeout(f"{self.endpoint} stopped answering within {conn.timeout:g} s",
                                          device=self.device), True) from None
            except (OSError, http.client.HTTPException) as exc:
                raise _mark(DeviceNotFound(f"the connection to {self.endpoint} broke ({type(exc).__name__}: "
                                           f"{exc})", device=self.device), True) from None
        finally:
            conn.close()
        if reply.status != 200:
            raise _mark(ProtocolError(f"{self.endpoint} answered HTTP {reply.status} {reply.reason}; is this the "
                                      "printer's IPP path (e.g. /ipp/print)?", device=self.device), True)
        response = ipp.decode_response(payload)
        if response.request_id != request_id:
            raise _mark(ProtocolError(f"IPP reply to request {response.request_id}, expected {request_id}",
                                      device=self.device), True)
        return response
