"""USB bulk transport against a fake pyusb device that answers like a SAM; the WLT photo plug-in."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from drivers import registry
from drivers.errors import DeviceNotFound, InvalidDeviceUri
from drivers.id_card import IdCardReader, Timings
from drivers.id_card.photo import BMP_SIZE, WltDecoder, load_decoder
from drivers.id_card.protocol import FrameDecoder
from drivers.id_card.sim import SamSimulator, sample_card
from drivers.id_card.transport import UsbTransport, parse_vid_pid


class FakeEndpoint:
    def __init__(self, address: int) -> None:
        self.bEndpointAddress = address


class FakeUsbDevice:
    """Answers frames written to OUT with SAM replies on IN, whole or split over two pipes."""

    def __init__(self, sam: SamSimulator, *, split: bool = False) -> None:
        self.sam = sam
        self.split = split
        self.inbox = FrameDecoder(min_len=3)
        self.replies: list[tuple[int, bytes]] = []
        self.writes: list[tuple[int, bytes]] = []
        self.claimed = False

    def is_kernel_driver_active(self, interface: int) -> bool:
        return True

    def detach_kernel_driver(self, interface: int) -> None:
        self.detached = interface

    def set_configuration(self) -> None: ...

    def get_active_configuration(self) -> dict:
        return {(0, 0): [FakeEndpoint(0x01), FakeEndpoint(0x82)]}

    def write(self, ep: int, data: bytes, timeout: int) -> int:
        self.writes.append((ep, bytes(data)))
        self.inbox.feed(bytes(data))
        raw = self.inbox.next_frame()
        if raw is not None:
            _, reply = self.sam.respond(raw[7:-1])
            if reply is not None:
                if self.split:
                    self.replies += [(0x81, reply[:7]), (0x85, reply[7:])]
                else:
                    self.replies.append((0x82, reply))
        return len(data)

    def read(self, ep: int, size: int, timeout: int) -> bytes:
        import usb.core

        if not self.replies:
            raise usb.core.USBTimeoutError("timeout")
        want, data = self.replies.pop(0)
        assert want == ep
        return data


@pytest.fixture
def patched_usb(monkeypatch: pytest.MonkeyPatch) -> None:
    import usb.util

    monkeypatch.setattr(usb.util, "claim_interface", lambda dev, i: setattr(dev, "claimed", True))
    monkeypatch.setattr(usb.util, "release_interface", lambda dev, i: None)
    monkeypatch.setattr(usb.util, "dispose_resources", lambda dev: None)
    monkeypatch.setattr(usb.util, "find_descriptor",
                        lambda eps, custom_match: next((e for e in eps if custom_match(e)), None))


@pytest.mark.parametrize("split", [False, True])
def test_reader_over_usb_bulk_reads_a_card(patched_usb: None, split: bool) -> None:
    dev = FakeUsbDevice(SamSimulator(card=sample_card("hkmt_residence")), split=split)
    reader = IdCardReader("usb://0400:C35A",
                          lambda: UsbTransport(0x0400, 0xC35A, split=split, find=lambda **kw: dev),
                          timings=Timings(poll_interval=0.01))
    with reader:
        assert reader.read_card(timeout=1).pass_number == "H00000000"
    assert dev.claimed and dev.detached == 0
    if split:  # header and body go to different pipes
        assert {ep for ep, _ in dev.writes} == {0x02, 0x06}
        assert all(len(d) == 7 for ep, d in dev.writes if ep == 0x02)
    else:
        assert {ep for ep, _ in dev.writes} == {0x01}


def test_missing_usb_device_is_device_not_found(patched_usb: None) -> None:
    with pytest.raises(DeviceNotFound, match="0400:C35A"):
        UsbTransport(0x0400, 0xC35A, find=lambda **kw: None)


def test_usb_uri_parsing() -> None:
    assert parse_vid_pid("0400:C35A") == (0x0400, 0xC35A)
    assert registry.create("id_reader", "usb://10c4:8a1b").kind == "id_reader"
    with pytest.raises(InvalidDeviceUri, match="VID:PID"):
        registry.create("id_reader", "usb://reader")
    with pytest.raises(InvalidDeviceUri, match="baud"):
        registry.create("id_reader", "serial:///dev/ttyUSB0?baud=fast")


def test_missing_serial_port_is_device_not_found(tmp_path: Path) -> None:
    reader = registry.create("id_reader", f"serial://{tmp_path}/ttyNONE")
    with pytest.raises(DeviceNotFound, match="ttyNONE"):
        reader.open()


def test_no_decoder_configured_keeps_the_raw_photo() -> None:
    assert load_decoder(None) is None
    with pytest.raises(DeviceNotFound, match="cannot load"):
        WltDecoder("./no-such-libwlt.so")


@pytest.mark.skipif(shutil.which("cc") is None, reason="needs a C compiler to build a stand-in decoder")
def test_vendor_decoder_is_called_through_ctypes(tmp_path: Path) -> None:
    """A stand-in library with the libwlt2bmp signature: writes 'BM' and echoes the first WLT byte."""
    src = tmp_path / "fakewlt.c"
    src.write_text("int unpack(const char *w, char *b, int f) { b[0]='B'; b[1]='M'; b[2]=w[0]; return 1; }\n")
    lib = tmp_path / "libfakewlt.so"
    subprocess.run(["cc", "-shared", "-fPIC", "-o", str(lib), str(src)], check=True)
    bmp = WltDecoder(str(lib)).decode(b"\x07" + bytes(1023))
    assert len(bmp) == BMP_SIZE and bmp[:3] == b"BM\x07"
    with pytest.raises(DeviceNotFound, match="no function"):
        WltDecoder(str(lib), symbol="GetBmp")
