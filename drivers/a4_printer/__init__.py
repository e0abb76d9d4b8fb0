"""A4 printer over IPP: driverless IPP Everywhere printers, local CUPS queues and a simulator.

URIs (ARCHITECTURE.md, contract):

- ``ipp://HOST[:PORT]/PATH``, ``ipps://HOST[:PORT]/PATH``: an IPP Everywhere printer (port 631 and
  path ``/ipp/print`` when left out); ``ipps`` takes ``verify=1`` to check the printer's certificate
  against the system's CAs (printers ship self-signed ones, so it is off by default);
- ``cups://QUEUE``: a CUPS queue on this machine, over CUPS's IPP at ``localhost:631`` (``server=HOST:PORT``
  for another) or its socket (``socket=/run/cups/cups.sock``);
- ``sim:///path/dir``: each job's PDF saved in that folder; ``media=ok|low|empty``, ``state=idle|stopped``,
  ``pdf=0`` (a printer without PDF) simulate faults.

Options on the network ones: ``timeout`` (seconds per IPP request, default 10), ``job_timeout`` (seconds a
job may take to finish, default 120), ``lost_after`` (seconds without an answer during a job before its
outcome is unknown, default 10).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from urllib.parse import parse_qsl

from drivers.base import Device
from drivers.errors import InvalidDeviceUri
from drivers.uri import DeviceUri

DEFAULT_PORT = 631
DEFAULT_PATH = "/ipp/print"



def _timing(uri: DeviceUri) -> tuple[float, float, float]:
    return (uri.option_seconds("timeout", 10.0, 600), uri.option_seconds("job_timeout", 120.0, 3600),
            uri.option_seconds("lost_after", 10.0, 600))


def _ipp_parts(uri: DeviceUri):
    from drivers.a4_printer.client import Endpoint

    if not uri.host:
        raise InvalidDeviceUri(f"{uri.raw!r} needs the printer's address, e.g. ipp://192.168.1.60/ipp/print")
    verify = uri.query.get("verify", "0")
    if verify not in ("0", "1"):
        raise InvalidDeviceUri(f"option verify={verify!r} in {uri.raw!r} must be 0 or 1")
    endpoint = Endpoint(uri.host, uri.port or DEFAULT_PORT, uri.path or DEFAULT_PATH,
                        tls=uri.scheme == "ipps", verify=verify == "1")
    return endpoint, _timing(uri)


def _cups_parts(uri: DeviceUri):
    from drivers.a4_printer.client import Endpoint

    # the queue is read from the raw text: urlsplit would lower-case it as a host name
    rest = uri.raw.split("://", 1)[-1] if "://" in uri.raw else uri.raw.split(":", 1)[-1]
    queue, _, query = rest.partition("?")
    queue = queue.strip("/")
    if not queue or "/" in queue:
        raise InvalidDeviceUri(f"{uri.raw!r} must name one CUPS queue, e.g. cups://A4 (see lpstat -p)")
    options = dict(parse_qsl(query))
    host, port = "localhost", DEFAULT_PORT
    if "server" in options:
        host, _, port_text = options["server"].rpartition(":")
        if not host or not port_text.isdigit():
            raise InvalidDeviceUri(f"option server={options['server']!r} in {uri.raw!r} must be HOST:PORT")
        port = int(port_text)
    endpoint = Endpoint(host, port, f"/printers/{queue}", socket_path=options.get("socket", ""))
    return endpoint, _timing(uri)


def _network(parts: Callable) -> Callable[[DeviceUri], Device]:
    def build(uri: DeviceUri) -> Device:
        from drivers.a4_printer.client import IppClient
        from drivers.a4_printer.device import A4Printer

        endpoint, (timeout, job_timeout, lost_after) = parts(uri)
        client = IppClient(endpoint, timeout=timeout, device=uri.raw)
        return A4Printer(uri.raw, client, job_timeout=job_timeout, lost_after=lost_after)

    return build


def _sim_parts(uri: DeviceUri):
    media = uri.query.get("media", "ok")
    state = uri.query.get("state", "idle")
    pdf = uri.query.get("pdf", "1")
    if media not in ("ok", "low", "empty") or state not in ("idle", "stopped") or pdf not in ("0", "1"):
        raise InvalidDeviceUri(f"{uri.raw!r}: media must be ok|low|empty, state idle|stopped, pdf 0|1")
    return uri.path, media, state, pdf == "1"


def _sim(uri: DeviceUri) -> Device:
    from drivers.a4_printer.sim import SimA4Printer

    path, media, state, pdf = _sim_parts(uri)
    return SimA4Printer(uri.raw, path or tempfile.mkdtemp(prefix="kiosk-a4-"), media=media, state=state, pdf=pdf)


SCHEMES: dict[str, Callable[[DeviceUri], Device]] = {
    "ipp": _network(_ipp_parts),
    "ipps": _network(_ipp_parts),
    "cups": _network(_cups_parts),
    "sim": _sim,
}
CHECKS: dict[str, Callable[[DeviceUri], object]] = {
    "ipp": _ipp_parts,
    "ipps": _ipp_parts,
    "cups": _cups_parts,
    "sim": _sim_parts,
}
