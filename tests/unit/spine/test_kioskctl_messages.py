"""kioskctl's messages: real HTTP statuses and details, and never a command or flag that does not exist."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
import typer

from kioskctl.daemon import DaemonClient, http_error
from local_api.settings import load_settings
from tests.daemon import free_port

ROOT = Path(__file__).resolve().parents[3]


def _commands():  # typer's own click group
    from kioskctl.main import app

    return typer.main.get_command(app)


def test_every_kioskctl_command_and_flag_a_message_names_exists():
    root = _commands()
    mention = re.compile(r"kioskctl((?: [a-z][a-z-]*)+)((?: [A-Za-z0-9_.:/{}]+)*?)((?: --[a-z][a-z-]*)*)")
    checked = 0
    for path in [*ROOT.glob("kioskctl/**/*.py"), *ROOT.glob("local_api/**/*.py"), ROOT / "README.md"]:
        for words, _args, flags in mention.findall(path.read_text(encoding="utf-8")):
            command = root
            for word in words.split():
                if word not in getattr(command, "commands", {}):
                    break
                command = command.commands[word]
            if command is root:
                continue  # prose ("run kioskctl with the same ...")
            options = {o for p in command.params for o in getattr(p, "opts", [])}
            for flag in flags.split():
                assert flag in options, f"{path.name}: 'kioskctl{words}' has no {flag}"
            checked += 1
    assert checked > 5


def test_a_flag_offered_when_kioskd_is_down_is_the_commands_own(tmp_path, capsys):
    settings = load_settings({"KIOSK_DATA_DIR": str(tmp_path), "KIOSK_API_PORT": str(free_port())})
    with pytest.raises(typer.Exit) as done:
        DaemonClient(settings).request("GET", "/outbox/status")
    line = capsys.readouterr().err
    assert done.value.exit_code == 1 and "kioskd is not running" in line and "--" not in line
    devices = next(p for p in _commands().commands["devices"].params if "--direct" in getattr(p, "opts", []))
    assert devices  # the one command whose hint names --direct has it
    with pytest.raises(typer.Exit):
        DaemonClient(settings, offline_hint="use --direct to open the devices here").request("GET", "/devices")
    assert "use --direct" in capsys.readouterr().err


def answer(status: int, body: object = None, text: str | None = None) -> httpx.Response:
    request = httpx.Request("POST", "http://127.0.0.1:8765/v1/queue/tickets")
    if text is not None:
        return httpx.Response(status, text=text, request=request)
    return httpx.Response(status, json=body, request=request)


@pytest.mark.parametrize(
    ("response", "line"),
    [
        # a refusal kioskd got from the hub: the hub's status, not kioskd's 409
        (answer(409, {"detail": "no service with the letter Q at this site", "code": "unknown_service",
                      "message": "没有这项业务", "hub_status": 404}),
         "the hub answered 404: no service with the letter Q at this site (unknown_service)"),
        (answer(409, {"detail": "the day is full", "code": "day_full", "hub_status": 409}),
         "the hub answered 409: the day is full (day_full)"),
        # kioskd's own
        (answer(404, {"detail": "no print job 'x'"}), "kioskd answered 404: no print job 'x'"),
        (answer(409, {"detail": "no hub configured; set KIOSK_HUB_URL and KIOSK_HUB_TOKEN"}),
         "kioskd answered 409: no hub configured; set KIOSK_HUB_URL and KIOSK_HUB_TOKEN"),
        (answer(422, {"detail": [{"loc": ["body", "service"], "msg": "String should have at least 1 character"}]}),
         "kioskd answered 422: service: String should have at least 1 character"),
        (answer(502, text="<html>Bad Gateway</html>\n"), "kioskd answered 502: <html>Bad Gateway</html>"),
    ],
)
def test_http_errors_carry_the_real_status_and_detail(response, line):
    assert http_error(response) == line
