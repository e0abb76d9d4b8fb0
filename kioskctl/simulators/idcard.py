"""``kioskctl sim idcard``: a simulated ID card reader on a pseudo-terminal, for testing without hardware."""

from __future__ import annotations

import json
import signal
import sys
import threading
from pathlib import Path

import typer

from drivers.errors import InvalidDeviceUri
from drivers.id_card.sim import CARD_KINDS, SCENARIOS, PtySimulator, SamSimulator, card_from_json, scenario_named
from kioskctl.output import USAGE, fail

NAME = "idcard"


def _load_cards(path: Path) -> tuple[list, str | None]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        fail(f"cannot read cards file {path}: {exc}", USAGE)
    if isinstance(data, dict):
        entries, scenario = data.get("cards", []), data.get("scenario")
    else:
        entries, scenario = data, None
    if not isinstance(entries, list):
        fail(f"{path}: 'cards' must be a list", USAGE)
    try:
        return [card_from_json(e) for e in entries], scenario
    except (KeyError, ValueError, TypeError, InvalidDeviceUri) as exc:
        fail(f"{path}: bad card entry ({exc}); use a kind name ({', '.join(CARD_KINDS)}) or record fields",
             USAGE)


def command(
    cards: Path | None = typer.Option(None, "--cards", help="JSON file: a list of cards (kind names or "
                                      "record fields), or {\"scenario\": ..., \"cards\": [...]}."),
    card: str | None = typer.Option(None, "--card", help=f"One sample card: {', '.join(CARD_KINDS)}."),
    scenario: str | None = typer.Option(None, "--scenario", help=f"One of: {', '.join(SCENARIOS)}."),
    baud: int = typer.Option(115200, "--baud", help="Pace replies at this baud rate."),
    dwell: float = typer.Option(3.0, "--dwell", help="Seconds a card stays after it was read."),
    gap: float = typer.Option(2.0, "--gap", help="Seconds without a card between two cards."),
) -> None:
    """Serve a simulated reader on a pty: prints the tty path, then cycles through the cards until stopped."""
    deck, file_scenario = _load_cards(cards) if cards else ([], None)
    if card:
        if card not in CARD_KINDS:
            fail(f"unknown card {card!r}; use one of {', '.join(CARD_KINDS)}", USAGE)
        deck.append(card_from_json(card))
    try:
        chosen = scenario_named(scenario or file_scenario or "normal")
    except InvalidDeviceUri as exc:
        fail(str(exc), USAGE)
    sam = SamSimulator(chosen)
    sim = PtySimulator(sam, baud=baud)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    path = sim.start()
    sys.stdout.write(path + "\n")
    sys.stdout.flush()
    sys.stderr.write(f"reader at serial://{path}?baud={baud} (scenario {chosen.name}); Ctrl-C stops\n")
    try:
        _cycle(sam, deck, dwell, gap, stop)
    except KeyboardInterrupt:
        pass
    finally:
        sim.stop()


def _cycle(sam: SamSimulator, deck: list, dwell: float, gap: float, stop: threading.Event) -> None:
    """Place each card until it has been read (or pulled), leave it ``dwell`` s, remove, wait ``gap`` s."""
    i = 0
    while not stop.is_set():
        if not deck:
            stop.wait(0.5)
            continue
        before = sam.reads
        sam.place(deck[i % len(deck)])
        while not stop.is_set() and sam.reads == before and sam.card is not None:
            stop.wait(0.1)
        if stop.wait(dwell):
            break
        sam.remove()
        if stop.wait(gap):
            break
        i += 1
