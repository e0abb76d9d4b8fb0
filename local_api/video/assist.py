"""帮办 on a video call: the helper's control and entries go to the session's engine as system events, so they
pass the same handlers and rules as the citizen's own taps; the engine refuses what is the citizen's."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from flows import events as ev
from local_api.sessions import SessionService

log = logging.getLogger(__name__)


class SessionAssist:
    def __init__(self, sessions: SessionService, clock: Callable[[], datetime]) -> None:
        self.sessions = sessions
        self.clock = clock

    def _session_id(self) -> str | None:
        snap = self.sessions.snapshot()
        return snap.session_id if snap is not None and snap.status == "active" else None

    def has_session(self) -> bool:
        return self._session_id() is not None

    def grant(self, helper_id: str) -> bool:
        """The citizen agreed: the helper may fill in (False when there is no session or it did not fit)."""
        return self._event(ev.AssistGranted(at=self.clock(), helper_id=helper_id))

    def end(self, reason: str) -> bool:
        """The helper's control ends now (withdrawn, stopped, call_ended, lost); unconfirmed typing is dropped."""
        snap = self.sessions.snapshot()
        if snap is None or snap.assist is None or not snap.assist.active:
            return False
        return self._event(ev.AssistEnded(at=self.clock(), reason=reason))  # type: ignore[arg-type]

    def enter(self, helper_id: str, action: str, field: str, value: str, option: str) -> bool:
        """One entry of the helper; False when the engine refused it (the session is unchanged then)."""
        try:
            event = ev.HelperInput(at=self.clock(), helper_id=helper_id, action=action,  # type: ignore[arg-type]
                                   field=field, value=value, option=option)
        except ValueError:
            return False
        return self._event(event)

    def _event(self, event: ev.AssistGranted | ev.AssistEnded | ev.HelperInput) -> bool:
        session_id = self._session_id()
        if session_id is None:
            return False
        return self.sessions.system_event(session_id, event) is not None
