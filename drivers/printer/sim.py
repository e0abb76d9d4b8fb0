"""The virtual printer: decodes ESC/POS strictly, answers DLE EOT, renders each job to a PNG.

One :class:`VirtualPrinter` serves both the TCP simulator (``kioskctl sim printer``) and the
in-process ``sim:`` device. Faults: paper near end / out, cover open, paper running out after a
given length (mid-job), silence (no status replies) and a stall (stops reading from the socket).
While out of paper or with the cover open it prints nothing and discards what it receives.
"""

from __future__ import annotations

import contextlib
import socket
import socketserver
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from drivers.printer.decoder import Decoder, printed_text
from drivers.printer.device import ReceiptPrinter
from drivers.printer.profiles import DEFAULT_PROFILE, Profile
from drivers.printer.raster import Page
from drivers.printer.status import encode_status

PAPER_STATES = ("ok", "near_end", "out")


@dataclass
class Job:
    """One job the virtual printer finished: its PNG, its text and what it noticed."""

    number: int
    png: Path
    complete: bool
    text: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class VirtualPrinter:
    """ESC/POS in, replies out; pages saved under ``out_dir`` as ``job-NNNN.png`` (+ ``.txt``)."""

    def __init__(self, out_dir: Path | str, profile: Profile = DEFAULT_PROFILE, *, paper: str = "ok",
                 cover_open: bool = False) -> None:
        self.out_dir = Path(out_dir)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        self.profile = profile
        self.paper = paper
        self.cover_open = cover_open
        self.error = False
        self.silent = False
        self.paper_left_dots: int | None = None  # paper runs out after this many more dots
        # A real printer prints from its buffer after the host is done: paper that runs out then shows
        # in the status only this many seconds after the bytes arrived.
        self.paper_out_delay_s = 0.0
        self._paper_out_at: float | None = None  # when the status starts saying "out"
        self.stall_after: int | None = None  # stop reading after this many bytes (TCP)
        self.received = 0
        self.jobs: list[Job] = []
        self.on_job: Callable[[Job], None] | None = None
        self.unknown: list[str] = []
        self._decoder = Decoder(strict=False)
        self._page = Page(profile)
        self._tokens_text: list = []
        self._lock = threading.RLock()
        self._counter = len(list(self.out_dir.glob("job-*.png")))

    # -- faults --------------------------------------------------------------------------------
    def set_paper(self, state: str) -> None:
        """Load paper (``ok``), make it nearly used (``near_end``) or take it out (``out``)."""
        if state not in PAPER_STATES:
            raise ValueError(f"paper state must be one of {', '.join(PAPER_STATES)}, not {state!r}")
        with self._lock:
            self.paper = state
            self._paper_out_at = None
            if state != "out":
                self.paper_left_dots = None

    def set_cover_open(self, is_open: bool) -> None:
        """Open or close the cover."""
        with self._lock:
            self.cover_open = is_open

    @property
    def offline(self) -> bool:
        """Paper out, cover open or error: the printer does not print."""
        return self.paper == "out" or self.cover_open or self.error

    @property
    def stalled(self) -> bool:
        """True once the stall point has been reached."""
        return self.stall_after is not None and self.received >= self.stall_after

    # -- the wire ------------------------------------------------------------------------------
    def feed(self, data: bytes) -> bytes:
        """Take bytes from the host; return the status replies to send back."""
        with self._lock:
            self.received += len(data)
            replies = bytearray()
            for token in self._decoder.feed(data):
                if token.kind == "status_request":
                    if self._paper_out_at is not None and time.monotonic() >= self._paper_out_at:
                        self.paper, self._paper_out_at = "out", None
                    if not self.silent:
                        status = encode_status(paper=self.paper, cover_open=self.cover_open, error=self.error)
                        replies.append(status[token.value])
                    continue
                if token.kind == "unknown":
                    note = f"unknown byte 0x{token.value.hex()} at offset {token.offset}"
                    self.unknown.append(note)
                    self._page.notes.append(note)
                    continue
                if self.offline or self._paper_out_at is not None:
                    if token.kind not in ("init", "chinese_on", "chinese_off") and not self._page.empty:
                        self._finish(complete=False)
                    continue
                if token.kind == "cut":
                    self._finish(complete=True)
                    continue
                self._page.apply(token)
                self._tokens_text.append(token)
                if self.paper_left_dots is not None and self._page.height >= self.paper_left_dots:
                    if self.paper_out_delay_s > 0:
                        self._paper_out_at = time.monotonic() + self.paper_out_delay_s
                    else:
                        self.paper = "out"
                    self.paper_left_dots = None
                    self._finish(complete=False)
            return bytes(replies)

    def end_of_stream(self) -> None:
        """The host closed the connection: print what is pending (a job without a cut)."""
        with self._lock:
            if self._decoder.pending:
                self._page.notes.append(f"connection closed inside a command ({self._decoder.pending} bytes dropped)")
                self._decoder = Decoder(strict=False)
            if not self._page.empty:
                self._page.notes.append("job ended without a cut")
            if not self._page.empty or self._page.notes:
                self._finish(complete=True)

    def _finish(self, *, complete: bool) -> None:
        if self._page.empty and not self._page.notes:
            return
        self._counter += 1
        stem = f"job-{self._counter:04d}" + ("" if complete else "-partial")
        png = self._page.save(self.out_dir / f"{stem}.png")
        job = Job(self._counter, png, complete, printed_text(self._tokens_text), list(self._page.notes))
        (self.out_dir / f"{stem}.txt").write_text(
            "\n".join([*job.text, *(f"# {n}" for n in job.notes)]) + "\n", encoding="utf-8"
        )
        self.jobs.append(job)
        if self.on_job is not None:
            self.on_job(job)
        self._page = Page(self.profile)
        self._tokens_text = []


class _Handler(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        printer: VirtualPrinter = self.server.printer  # type: ignore[attr-defined]
        sock: socket.socket = self.request
        sock.settimeout(0.2)
        stop: threading.Event = self.server.stopping  # type: ignore[attr-defined]
        self.server.connections.add(sock)  # type: ignore[attr-defined]
        while not stop.is_set():
            if printer.stalled:
                stop.wait(0.05)  # a hung printer: stop reading, never answer
                continue
            try:
                chunk = sock.recv(4096)
            except TimeoutError:
                continue
            except OSError:
                break
            if not chunk:
                break
            replies = printer.feed(chunk)
            if replies:
                try:
                    sock.sendall(replies)
                except OSError:
                    break
        self.server.connections.discard(sock)  # type: ignore[attr-defined]
        printer.end_of_stream()


class PrinterSimServer(socketserver.ThreadingTCPServer):
    """TCP port 9100 front end for a :class:`VirtualPrinter`; ``port`` is the bound port."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, printer: VirtualPrinter, host: str = "127.0.0.1", port: int = 9100) -> None:
        self.printer = printer
        self.stopping = threading.Event()
        self.connections: set[socket.socket] = set()
        super().__init__((host, port), _Handler)
        self.port = self.server_address[1]
        self._thread: threading.Thread | None = None

    def start(self) -> PrinterSimServer:
        """Serve in a background thread."""
        self._thread = threading.Thread(target=self.serve_forever, args=(0.05,), name="printer-sim",
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self.stopping.set()
        self.shutdown()
        self.server_close()
        for sock in list(self.connections):  # like a power cut: open connections die too
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)


class SimConnection:
    """An in-process wire to a :class:`VirtualPrinter`."""

    can_read = True
    lost = False

    def __init__(self, printer: VirtualPrinter) -> None:
        self.printer = printer
        self._replies = bytearray()

    def open(self) -> None:
        return None

    def close(self) -> None:
        self.printer.end_of_stream()

    def write(self, data: bytes) -> None:
        self._replies += self.printer.feed(data)

    def read(self, timeout: float) -> bytes:
        data, self._replies = bytes(self._replies), bytearray()
        return data

    def drain(self) -> None:
        self._replies.clear()


class SimReceiptPrinter(ReceiptPrinter):
    """``sim:///dir``: a receipt printer whose paper is a folder of PNGs; faults can be injected."""

    def __init__(self, uri: str, out_dir: Path | str, profile: Profile = DEFAULT_PROFILE) -> None:
        self.virtual = VirtualPrinter(out_dir, profile)
        super().__init__(uri, SimConnection(self.virtual), profile, reply_timeout=0.1)

    def set_paper(self, state: str) -> None:
        """``ok``, ``near_end`` or ``out``."""
        self.virtual.set_paper(state)

    def set_cover_open(self, is_open: bool) -> None:
        """Open or close the cover."""
        self.virtual.set_cover_open(is_open)

    @property
    def pngs(self) -> list[Path]:
        """Every page printed so far, oldest first."""
        return [job.png for job in self.virtual.jobs]

    @property
    def last_png(self) -> Path | None:
        """The most recent page, or ``None``."""
        return self.virtual.jobs[-1].png if self.virtual.jobs else None
