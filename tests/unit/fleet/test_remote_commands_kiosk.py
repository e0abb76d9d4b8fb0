"""kioskd's side of remote commands: wait for the citizen, run once, answer once, remember across restarts."""

from __future__ import annotations

import datetime as dt
import gzip
import json

from local_api.errors import HubUnreachable
from local_api.log_export import recent
from local_api.remote_commands import Outcome, RemoteCommands

AT = "2026-11-21T02:30:00+00:00"


class Kiosk:
    def __init__(self, path):
        self.busy = False
        self.ran: list[int] = []
        self.answers: list[tuple[int, dict]] = []
        self.hub_down = False
        self.commands = self.make(path)

    def make(self, path) -> RemoteCommands:
        def run(command):
            self.ran.append(command.id)
            if command.kind == "reload_catalogue":
                raise ValueError("hall/x.yaml:3: unknown step kind")
            return Outcome(True, "ok")

        def send(command_id, answer):
            if self.hub_down:
                raise HubUnreachable("down")
            self.answers.append((command_id, answer))

        kinds = ("selftest", "reload_catalogue", "maintenance_on")
        return RemoteCommands(dict.fromkeys(kinds, run), busy=lambda: self.busy, send=send, path=path)


def cmd(command_id: int, kind: str = "selftest") -> dict:
    return {"id": command_id, "kind": kind, "requested_at": AT}


def test_a_command_waits_while_a_citizen_is_served_but_maintenance_applies_at_once(tmp_path):
    k = Kiosk(tmp_path / "done.json")
    k.busy = True
    k.commands.offer([cmd(1), cmd(2, "maintenance_on")])
    k.commands._step()  # maintenance goes at once (it only stops the next session from starting)
    assert k.ran == [2] and k.answers == [(2, {"ok": True, "detail": "ok"})]
    k.commands._step()  # the self-test waits for the session to end
    assert k.ran == [2] and list(k.commands.pending) == [1]
    k.busy = False
    k.commands._step()
    assert k.ran == [2, 1]


def test_each_command_runs_once_and_a_failure_is_answered_not_retried(tmp_path):
    k = Kiosk(tmp_path / "done.json")
    k.commands.offer([cmd(1), cmd(2, "reload_catalogue")])
    while k.commands.pending:
        k.commands._step()
    assert k.ran == [1, 2]
    assert k.answers[1] == (2, {"ok": False, "detail": "ValueError: hall/x.yaml:3: unknown step kind"})
    # the hub hands them out again (it had not stored the answers yet): answered again, not run again
    k.commands.offer([cmd(1), cmd(2, "reload_catalogue")])
    k.commands._step()
    assert k.ran == [1, 2] and [a[0] for a in k.answers] == [1, 2, 1, 2]


def test_answers_wait_for_the_hub_and_what_ran_survives_a_restart(tmp_path):
    k = Kiosk(tmp_path / "done.json")
    k.hub_down = True
    k.commands.offer([cmd(7)])
    k.commands._step()
    assert k.ran == [7] and k.answers == [] and 7 in k.commands.unsent
    restarted = Kiosk(tmp_path / "done.json")  # kioskd restarted before the hub heard back
    restarted.commands.offer([cmd(7)])
    restarted.commands._step()
    assert restarted.ran == [] and restarted.answers == [(7, {"ok": True, "detail": "ok"})]


def test_a_command_from_a_newer_hub_is_not_run(tmp_path):
    k = Kiosk(tmp_path / "done.json")
    k.commands.offer([{"id": 3, "kind": "format_disk", "requested_at": AT}])
    assert k.commands.pending == {}


def test_log_export_keeps_the_hours_asked_for_and_the_newest_lines_when_cut(tmp_path):
    now = dt.datetime(2026, 11, 21, 12, 0, tzinfo=dt.UTC)

    def line(minutes_ago: int, text: str) -> str:
        ts = (now - dt.timedelta(minutes=minutes_ago)).isoformat(timespec="milliseconds")
        return json.dumps({"ts": ts, "level": "INFO", "msg": text}) + "\n"

    (tmp_path / "kioskd.jsonl.1").write_text(line(180, "old") + line(50, "rotated"), encoding="utf-8")
    (tmp_path / "kioskd.jsonl").write_text(line(10, "recent") + "not json\n" + line(1, "newest"), encoding="utf-8")
    export = recent(tmp_path, 1, now, 1_000_000)
    assert [json.loads(x)["msg"] for x in gzip.decompress(export.data).decode().splitlines()] == [
        "rotated", "recent", "newest"]
    many = "".join(line(30, f"entry {i} " + "x" * (i % 97)) for i in range(20_000))
    (tmp_path / "kioskd.jsonl").write_text(many + line(0, "the very last"), encoding="utf-8")
    cut = recent(tmp_path, 1, now, 20_000)
    kept = gzip.decompress(cut.data).decode().splitlines()
    assert len(cut.data) <= 20_000 and cut.dropped > 0 and cut.lines == len(kept)
    assert json.loads(kept[-1])["msg"] == "the very last"
