"""``kioskctl idcard``: read an ID card or check the reader, straight from the device."""

from __future__ import annotations

import base64
import sys

import typer

from drivers import registry
from drivers.errors import DeviceTimeout, DriverError, InvalidDeviceUri, NotPresent, ProtocolError
from drivers.id_card import CardRemoved, CardUnreadable, IdCardReader, IdCardRecord
from kioskctl.output import FAILED, NOTHING, USAGE, emit, fail

NAME = "idcard"
app = typer.Typer(help="ID card reader (GA 467 SAM protocol): read a card, check the reader.",
                  no_args_is_help=True)

DEVICE_HELP = "serial:///dev/ttyUSB0?baud=115200, usb://VID:PID or sim:?card=resident"


def _open_reader(device: str) -> IdCardReader:
    try:
        reader = registry.create("id_reader", device)
    except InvalidDeviceUri as exc:
        fail(str(exc), USAGE)
    assert isinstance(reader, IdCardReader)
    return reader


def _fail_for(exc: DriverError) -> None:
    if isinstance(exc, InvalidDeviceUri):
        fail(str(exc), USAGE)
    if isinstance(exc, NotPresent):
        fail(str(exc), NOTHING)
    if isinstance(exc, DeviceTimeout):  # a reader that does not answer is a device fault, not "no card"
        fail(f"device error: {exc}", FAILED)
    if isinstance(exc, ProtocolError):
        fail(f"protocol error: {exc}", FAILED)
    if isinstance(exc, CardRemoved | CardUnreadable):
        fail(f"card error: {exc}", FAILED)
    fail(f"device error: {exc}", FAILED)


def _human(record: IdCardRecord) -> str:
    view = record.masked()
    view["photo_wlt"] = f"{len(record.photo_wlt)} bytes"
    width = max(len(k) for k in view)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in view.items())


@app.command()
def read(
    device: str = typer.Option(..., "--device", help=DEVICE_HELP),
    timeout: float = typer.Option(10.0, "--timeout", help="Seconds to wait for a card."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object (unmasked) on stdout."),
    fingerprint: bool = typer.Option(False, "--fingerprint", help="Also read the fingerprint templates."),
    appended_address: bool = typer.Option(False, "--appended-address", help="Also read the appended address."),
) -> None:
    """Wait for a card, read it and print it (masked unless --json)."""
    if timeout <= 0:
        fail("--timeout must be a positive number of seconds", USAGE)
    reader = _open_reader(device)
    reader.fingerprint = reader.fingerprint or fingerprint
    reader.appended_address = reader.appended_address or appended_address
    try:
        with reader:
            record = reader.read_card(timeout)
    except DriverError as exc:
        _fail_for(exc)
        return
    data = record.to_dict()
    if reader.appended_address:
        data["address_appended"] = record.appended_address
    if reader.fingerprint:
        data["fingerprint"] = base64.b64encode(record.fingerprint).decode("ascii")
    if not record.id_number_valid:
        sys.stderr.write(
            "kioskctl: warning: the number on this card fails its checks ("
            + "; ".join(record.id_number_problems) + "); do not accept it without a manual check\n"
        )
    emit(data, as_json=as_json, human=lambda _: _human(record))


@app.command()
def status(
    device: str = typer.Option(..., "--device", help=DEVICE_HELP),
    as_json: bool = typer.Option(False, "--json", help="Print JSON on stdout."),
) -> None:
    """Ask the reader's security module whether it is ready (exit 1 when it is not)."""
    reader = _open_reader(device)
    try:
        with reader:
            result = reader.probe()
    except DriverError as exc:
        _fail_for(exc)
        return
    emit(result.to_dict(), as_json=as_json)
    if result.health.value != "online":
        fail(f"reader not ready: {result.message}", FAILED)
