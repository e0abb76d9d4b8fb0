"""kioskd's one error family: each error has a stable ``code`` and an HTTP ``status``.

Services raise these; one exception handler (``local_api.main``) renders every one of them as
``{"error": code, "code": code, "detail": ..., "message": ..., **extra}``. ``detail`` is for a
technician (kioskctl prints it), ``message`` for the citizen where the error has a sentence of its
own (else the same as ``detail``); ``code`` repeats ``error`` because the UI and kioskctl read it.
A subclass may be given a more precise code when raised (``NotReady("paper_out", ...)``); its
status never changes, except for errors that pass on another party's answer (``EnrolFailed``).
"""

from __future__ import annotations

from typing import Any, ClassVar


class KioskError(Exception):
    """The family's root; a member is declared in one line: ``class NoCall(NotFound, code="no_call"): ...``
    (``status`` when it differs from its parent's, ``detail`` for the words when it is raised without any)."""

    code: ClassVar[str] = "internal_error"
    status: ClassVar[int] = 500
    default_detail: ClassVar[str | None] = None

    def __init_subclass__(cls, *, code: str | None = None, status: int | None = None, detail: str | None = None,
                          **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if code is not None:
            cls.code = code
        if status is not None:
            cls.status = status
        if detail is not None:
            cls.default_detail = detail

    def __init__(self, detail: str | None = None, *, code: str | None = None, message: str | None = None,
                 **extra: Any) -> None:
        if detail is None:
            if self.default_detail is None:
                raise TypeError(f"{type(self).__name__} needs a detail")
            detail = self.default_detail
        super().__init__(detail)
        self.detail = detail
        self.message = message if message is not None else detail
        self.extra = extra
        if code is not None:
            self.code = code  # type: ignore[misc]  # a more precise code than the class's, same status

    def body(self) -> dict[str, Any]:
        """The JSON body every route answers with for this error."""
        return {"error": self.code, "code": self.code, "detail": self.detail, "message": self.message, **self.extra}


# -- generic answers of routes ----------------------------------------------------------------------
class NotFound(KioskError, code="not_found", status=404): ...
class Conflict(KioskError, code="conflict", status=409): ...
class BadRequest(KioskError, code="bad_request", status=422): ...
class UnsupportedMedia(KioskError, code="unsupported_media", status=415): ...
class TooLarge(KioskError, code="too_large", status=413): ...
class Unavailable(KioskError, code="unavailable", status=503): ...


# -- sessions ---------------------------------------------------------------------------------------
class NoSuchSession(NotFound, code="no_session"):
    def __init__(self, session_id: str) -> None:
        super().__init__(f"no session {session_id!r} (it may have ended and been wiped)")


class NoSuchItem(NotFound, code="no_item"): ...


class SessionBusy(Conflict, code="session_busy"):
    """Another citizen's session is active on this kiosk."""

    def __init__(self, session_id: str = "",
                 detail: str = "another session is active on this kiosk; finish or abandon it first") -> None:
        super().__init__(detail)
        self.session_id = session_id


class Rejected(Conflict, code="event_rejected"):
    """The event does not fit the current step."""

    def __init__(self, step: str, expected: list[str], detail: str) -> None:
        super().__init__(detail, step=step, expected=expected)
        self.step, self.expected = step, expected


class NotReady(Unavailable, code="not_ready"):
    """A device the item needs cannot do its part now (e.g. the printer is out of paper)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)


class SelfTestRunning(Conflict, code="selftest_running", detail="a self-test is already running; wait for its result"):
    ...


# -- devices ----------------------------------------------------------------------------------------
class NoDevice(NotFound, code="no_device"):
    """The kiosk has no such device configured (or it is closed)."""


class DeviceFailed(Unavailable, code="device_failed"): ...


# -- the hub ----------------------------------------------------------------------------------------
class HubUnreachable(Unavailable, code="hub_unreachable"):
    """The hub could not be reached or failed (5xx, timeout, cut connection, no hub configured): try later.

    ``kind`` is what the hub status makes of it: ``unreachable``, ``tls_error`` or ``wrong_url``.
    """

    def __init__(self, detail: str, kind: str = "unreachable") -> None:
        super().__init__(detail)
        self.kind = kind


class HubBusy(HubUnreachable, code="hub_busy"):
    """The hub answered 429: it refuses this kiosk for now (e.g. too many lookups by ID number in a short time).

    A kind of HubUnreachable, so whatever retries later (the outbox) still does; the citizen is told
    BUSY_MESSAGE instead of "cannot connect", which would send a technician after the network.
    """

    def __init__(self, detail: str, retry_after: int | None = None) -> None:
        super().__init__(detail)
        self.message = BUSY_MESSAGE
        self.retry_after = retry_after
        if retry_after is not None:
            self.extra["retry_after"] = retry_after


BUSY_MESSAGE = "服务繁忙，请稍后再试，或到窗口办理"


class TicketRefused(Conflict, code="ticket_refused"):
    """The hub refused a ticket or check-in (unknown or closed service, a full day, an appointment it cannot check in).

    ``message`` is the citizen's sentence, ``detail`` the hub's own words; ``hub_status`` lets a technician see
    the hub's 404 rather than kioskd's 409.
    """

    def __init__(self, code: str, message: str, extra: dict[str, Any] | None = None, detail: str = "",
                 status: int | None = None) -> None:
        super().__init__(detail or message, code=code, message=message, hub_status=status, **(extra or {}))
        self.fields = extra or {}
        self.hub_status = status

    def result(self) -> dict[str, Any]:
        """What the session keeps: ``refused`` (the flow branches on it), the sentence and the details."""
        return {"refused": self.code, "message": self.message, **self.fields}


class EnrolFailed(KioskError, code="enrol_failed", status=502):
    """The enrolment exchange did not work; its status is kioskd's answer (409, 422, 502, 504), ``hub_status``
    the hub's."""

    def __init__(self, status: int, code: str, detail: str, hub_status: int | None = None) -> None:
        extra = {"hub_status": hub_status} if hub_status is not None else {}
        super().__init__(detail, code=code, **extra)
        self.status = status  # type: ignore[misc]  # passes on what the hub's answer means
        self.hub_status = hub_status


# -- video help -------------------------------------------------------------------------------------
class CallBusy(Conflict, code="call_busy", detail="a video call is already up; hang it up (DELETE /v1/call) first"):
    ...


class NoCall(NotFound, code="no_call", detail="there is no video call"): ...


class MediaUnavailable(Unavailable, code="no_camera"): ...


def all_errors() -> list[type[KioskError]]:
    """Every class of the family, for the tests and the API description."""
    found: list[type[KioskError]] = []
    todo: list[type[KioskError]] = [KioskError]
    while todo:
        cls = todo.pop()
        found.append(cls)
        todo.extend(cls.__subclasses__())
    return found
