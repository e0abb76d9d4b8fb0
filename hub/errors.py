"""Error bodies: FastAPI's ``{"detail": ...}`` shape, without echoing what was sent (it may be personal)."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError


def field_error(loc: tuple[str | int, ...], msg: str, kind: str = "value_error") -> RequestValidationError:
    """A 422 naming one field."""
    return RequestValidationError([{"loc": loc, "msg": msg, "type": kind}])


def from_pydantic(exc: ValidationError, prefix: tuple[str | int, ...]) -> RequestValidationError:
    return RequestValidationError(
        [{"loc": (*prefix, *e["loc"]), "msg": e["msg"], "type": e["type"]} for e in exc.errors()]
    )


async def validation_handler(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail: list[dict[str, Any]] = [
        {"loc": list(e.get("loc", ())), "msg": _msg(e), "type": e.get("type", "value_error")} for e in exc.errors()
    ]
    return JSONResponse({"detail": detail}, status_code=422)


def _msg(err: dict[str, Any]) -> str:
    msg = str(err.get("msg", "invalid"))
    return msg.removeprefix("Value error, ")


async def not_found_handler(_request: Request, exc: Exception) -> JSONResponse:
    """Something a request names does not exist (``hub.queue.errors.UnknownSite``): a 404 saying what."""
    return JSONResponse({"detail": str(exc)}, status_code=404)
