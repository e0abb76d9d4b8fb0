"""kioskctl queue take through a running kioskd: numbers from the hub, or the kiosk's Z block without it."""

from __future__ import annotations

import json
import subprocess

from tests.daemon import BIN, kioskd
from tests.hub_process import kioskhub


def take(daemon, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "kioskctl"), "queue", "take", *args], env=daemon.env,
                          capture_output=True, text=True, timeout=60)


def test_numbers_come_from_the_hub_by_ticket_letter_and_print(tmp_path):
    with kioskhub(tmp_path / "hub", "q-kiosk") as hub, kioskd(
        tmp_path / "kiosk", KIOSK_DEVICES="real", KIOSK_VOICE="none:", KIOSK_PRINTER=f"sim://{tmp_path / 'out'}",
        KIOSK_KIOSK_ID="q-kiosk", KIOSK_HUB_URL=hub.url, KIOSK_HUB_TOKEN=hub.kiosk_token,
    ) as d:
        first = take(d, "--service", "A", "--json")
        second = take(d, "--service", "social_security", "--json")
        unknown = take(d, "--service", "Q", "--json")
    assert first.returncode == 0, first.stderr
    a, b = json.loads(first.stdout), json.loads(second.stdout)
    assert (a["number"], a["source"], a["people_ahead"]) == ("A001", "hub", 0)
    assert (b["number"], b["people_ahead"]) == ("A002", 1)
    assert set(a) >= {"number", "people_ahead", "estimated_wait_min", "priority", "source"}
    assert a["printed"] == "done" and len(list((tmp_path / "out").glob("*.png"))) == 2
    assert unknown.returncode == 2 and unknown.stdout == ""
    # the hub's own status and words, not kioskd's 409
    assert unknown.stderr.strip() == ("kioskctl: the hub answered 404: no service with the letter Q at this site "
                                      "(unknown_service)")


def test_without_a_hub_the_kiosk_block_is_used_and_survives_a_restart(tmp_path):
    settings = {"KIOSK_DEVICES": "real", "KIOSK_VOICE": "none:"}
    with kioskd(tmp_path / "kiosk", **settings) as d:
        first = json.loads(take(d, "--service", "A", "--no-print", "--json").stdout)
    with kioskd(tmp_path / "kiosk", **settings) as d:
        second = json.loads(take(d, "--service", "A", "--no-print", "--json").stdout)
    assert (first["number"], first["source"]) == ("Z001", "local")
    assert second["number"] == "Z002"
