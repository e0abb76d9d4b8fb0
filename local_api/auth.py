"""Bearer-token check for every route but ``/v1/health``."""

from __future__ import annotations

import hmac
import logging

from fastapi import HTTPException, Request, WebSocket, status

log = logging.getLogger(__name__)


def _token_ok(request_token: str | None, expected: str) -> bool:
    return bool(request_token) and hmac.compare_digest(request_token.encode(), expected.encode())


def require_token(request: Request) -> None:
    """FastAPI dependency: 401 unless ``Authorization: Bearer <api-token>``."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not _token_ok(value.strip(), request.app.state.token):
        # Log who and where, never what was presented.
        log.warning(
            "rejected request with %s token",
            "a wrong" if header else "no",
            extra={"path": request.url.path, "client": request.client.host if request.client else ""},
        )
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            detail="missing or wrong API token; send 'Authorization: Bearer' with the content of "
            "$KIOSK_DATA_DIR/api-token",
            headers={"WWW-Authenticate": "Bearer"},
        )


def websocket_token_ok(ws: WebSocket) -> bool:
    """WebSockets from the UI carry the token as ``?token=`` or in the Authorization header."""
    header = ws.headers.get("authorization", "")
    token = header.partition(" ")[2].strip() if header.lower().startswith("bearer ") else None
    token = token or ws.query_params.get("token")
    return _token_ok(token, ws.app.state.token)
