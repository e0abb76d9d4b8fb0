"""The hub's remote commands on the kiosk: run one at a time between citizens, each answered once.

Commands arrive with the heartbeat's answer (``wire.commands.RemoteCommand``). A command waits while a
citizen is being served (the session service says so) and runs when the session ends; maintenance on
and off apply at once, since they only stop the next session from starting. What ran is remembered in
``remote-commands.json``: the hub hands a command out until it has the answer, so one whose answer was
lost (or one that restarted kioskd) is answered again from there, never run twice. A command that
fails is answered as failed and not run again.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from local_api.errors import HubUnreachable, SessionBusy
from local_api.hub_client import HubRejected
from local_api.worker import Worker
from wire.commands import RemoteCommand

log = logging.getLogger(__name__)

KEEP_DONE = 200  # answers remembered, newest
IMMEDIATE = frozenset({"maintenance_on", "maintenance_off"})


@dataclass(frozen=True)
class Outcome:
    ok: bool
    detail: str
    then: Callable[[], None] | None = None  # run once the hub has the answer (a restart)


Handler = Callable[[RemoteCommand], Outcome]


class RemoteCommands(Worker):
    def __init__(self, handlers: dict[str, Handler], *, busy: Callable[[], bool],
                 send: Callable[[int, dict[str, Any]], None], path: Path, retry_s: float = 5.0) -> None:
        super().__init__("remote commands", self._step, interval_s=retry_s)
        self.handlers = handlers
        self.busy = busy
        self.send = send
        self.path = path
        self.pending: dict[int, RemoteCommand] = {}
        self.unsent: dict[int, dict[str, Any]] = {}  # answers the hub has not acknowledged yet
        self.done: dict[int, dict[str, Any]] = self._load()
        self._after: dict[int, Callable[[], None]] = {}

    # -- from the heartbeat ----------------------------------------------------------------------
    def offer(self, commands: list[Any]) -> None:
        """The commands in a heartbeat's answer; new ones are queued, ones already run are answered again."""
        for raw in commands:
            try:
                command = RemoteCommand.model_validate(raw)
            except ValidationError as exc:  # a hub newer than this kioskd: say so, run nothing
                log.warning("remote command not understood", extra={"errors": exc.error_count()})
                continue
            if command.id in self.done:
                self.unsent.setdefault(command.id, self.done[command.id])
            elif command.id not in self.pending:
                log.info("remote command queued", extra={"command": command.id, "kind": command.kind})
                self.pending[command.id] = command
        if self.pending or self.unsent:
            self.wake()

    def session_changed(self, *_: Any) -> None:
        """A session observer: a command that waited for the citizen may go once the session has ended."""
        if self.pending and not self.busy():
            self.wake()

    # -- the worker ------------------------------------------------------------------------------
    def _step(self) -> float | None:
        self._send_answers()
        if not self.pending:
            return None if self.unsent else math.inf
        busy = self.busy()
        command = next((c for c in self.pending.values() if not busy or c.kind in IMMEDIATE), None)
        if command is None:
            return None  # a citizen is being served; woken when the session ends, else tried again soon
        try:
            outcome = self.handlers[command.kind](command)
        except SessionBusy:
            return None  # a session started meanwhile
        except Exception as exc:
            log.exception("remote command failed", extra={"command": command.id, "kind": command.kind})
            outcome = Outcome(False, f"{type(exc).__name__}: {exc}"[:500])
        del self.pending[command.id]
        answer = {"ok": outcome.ok, "detail": outcome.detail[:500]}
        self.done[command.id] = answer
        self._save()
        self.unsent[command.id] = answer
        if outcome.then is not None:
            self._after[command.id] = outcome.then
        log.info("remote command done", extra={"command": command.id, "kind": command.kind, "ok": outcome.ok})
        self._send_answers()
        return 0

    def _send_answers(self) -> None:
        for command_id, answer in list(self.unsent.items()):
            try:
                self.send(command_id, answer)
            except HubUnreachable:
                return  # the next step tries again
            except HubRejected as exc:
                if exc.status >= 500:
                    return
                log.warning("hub refused a command's answer", extra={"command": command_id, "status": exc.status})
            del self.unsent[command_id]
            then = self._after.pop(command_id, None)
            if then is not None:
                then()

    # -- memory ----------------------------------------------------------------------------------
    def _load(self) -> dict[int, dict[str, Any]]:
        try:
            raw = json.loads(self.path.read_text(encoding="utf-8"))
            return {int(k): v for k, v in raw.get("done", {}).items()}
        except (OSError, ValueError, AttributeError):
            return {}

    def _save(self) -> None:
        newest = dict(sorted(self.done.items())[-KEEP_DONE:])
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"done": newest}), encoding="utf-8")
        tmp.replace(self.path)
        self.done = newest
