"""The fake kioskd (``tests.ui.fake``: kioskd's session code, scripted devices) served over real HTTP and
WebSocket, to test the HTTP client and the ``kiosk --script demo`` command without the real daemon.
Run: ``python -m tests.ui.fake_kioskd PORT DATA_DIR``.
"""

from __future__ import annotations

import asyncio
import contextlib
import secrets
import sys
import threading
from pathlib import Path

import uvicorn
from fastapi import Depends, FastAPI, Header, HTTPException, WebSocket, WebSocketDisconnect
from fastapi.responses import JSONResponse, Response

from kiosk.client import EventRejectedError, ItemNotReady, KioskdError, SessionGone
from local_api.schemas import EventIn, PushMessage, SessionStart
from tests.ui.fake import FakeKioskd


def create_app(fake: FakeKioskd, token: str) -> FastAPI:
    app = FastAPI()

    def auth(authorization: str = Header("")) -> None:
        if authorization != f"Bearer {token}":
            raise HTTPException(401, "bad token")

    guarded = [Depends(auth)]

    @app.get("/v1/health")
    def health():
        return fake.health().model_dump(mode="json")

    @app.get("/v1/items", dependencies=guarded)
    def items():
        return [i.model_dump(mode="json") for i in fake.items()]

    @app.post("/v1/sessions", dependencies=guarded)
    def start(body: SessionStart):
        try:
            return fake.start_session(body).model_dump(mode="json")
        except ItemNotReady as exc:  # kioskd's NotReady body
            return JSONResponse({"error": exc.code, "code": exc.code, "detail": exc.message,
                                 "message": exc.message}, status_code=503)

    @app.get("/v1/sessions/current", dependencies=guarded)
    def current():
        snap = fake.current_session()
        if snap is None:
            raise HTTPException(404, "no session")
        return snap.model_dump(mode="json")

    @app.post("/v1/sessions/{session_id}/events", dependencies=guarded)
    def event(session_id: str, body: EventIn):
        try:
            return fake.send_event(session_id, body).model_dump(mode="json")
        except EventRejectedError as exc:
            return JSONResponse(exc.rejected.model_dump(), status_code=409)
        except SessionGone:
            raise HTTPException(404, "no such session") from None
        except KioskdError as exc:
            raise HTTPException(400, str(exc)) from None

    @app.get("/v1/devices", dependencies=guarded)
    def devices():
        return [d.model_dump(mode="json") for d in fake.devices()]

    @app.get("/v1/camera/preview.jpg", dependencies=guarded)
    def preview():
        return Response(fake.camera_preview(), media_type="image/jpeg")

    @app.get("/v1/camera/preview", dependencies=guarded)
    def preview_state():
        return fake.camera_state()

    @app.get("/v1/face/live", dependencies=guarded)
    def face_live():
        return fake.face_live().model_dump(mode="json")

    @app.get("/v1/face/preview.jpg", dependencies=guarded)
    def face_preview():
        jpeg = fake.face_preview()
        return Response(jpeg, media_type="image/jpeg") if jpeg else Response(status_code=204)

    @app.post("/v1/voice/mute", dependencies=guarded)
    def mute(body: dict):
        fake.set_voice_muted(bool(body.get("muted")))
        return {"muted": fake.muted}

    @app.post("/v1/devices/{name}/probe", dependencies=guarded)
    def probe(name: str):
        fake.device_test(name, "probe")
        device = next((d for d in fake.devices() if d.name == name), None)
        if device is None:
            raise HTTPException(404, "no such device")
        return device.model_dump(mode="json")

    @app.post("/v1/sim/id_reader/place", dependencies=guarded)
    def place_card(body: dict):
        fake.place_card(body.get("card", "resident"))
        return {}

    @app.post("/v1/sim/id_reader/remove", dependencies=guarded)
    def remove_card():
        fake.remove_card()
        return {}

    @app.post("/v1/sim/camera/place", dependencies=guarded)
    def place_document(body: dict):
        fake.place_document(body.get("document", "a4"))
        return {}

    @app.post("/v1/sim/printer/paper", dependencies=guarded)
    def paper(body: dict):
        fake.printer_paper(body.get("state", "ok"))
        return {}

    @app.websocket("/v1/events")
    async def events(ws: WebSocket, token_q: str = ""):
        if ws.query_params.get("token") != token:
            await ws.close(code=4401)
            return
        await ws.accept()
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[PushMessage] = asyncio.Queue()
        stop = threading.Event()
        listener = threading.Thread(
            target=fake.listen, args=(lambda m: loop.call_soon_threadsafe(queue.put_nowait, m), stop), daemon=True
        )
        listener.start()
        try:
            while True:
                message = await queue.get()
                await ws.send_text(message.model_dump_json())
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            stop.set()

    return app


class Served:
    """A fake kioskd on a free local port, in a background thread."""

    def __init__(self, data_dir: Path, fake: FakeKioskd | None = None, port: int = 0) -> None:
        import socket

        self.fake = fake or FakeKioskd()
        self.token = secrets.token_hex(16)
        data_dir.mkdir(parents=True, exist_ok=True)
        (data_dir / "api-token").write_text(self.token)
        if not port:
            with socket.socket() as s:
                s.bind(("127.0.0.1", 0))
                port = s.getsockname()[1]
        self.port = port
        config = uvicorn.Config(create_app(self.fake, self.token), host="127.0.0.1", port=port, log_level="warning")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Served:
        self.thread.start()
        import time

        while not self.server.started:
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        with contextlib.suppress(RuntimeError):
            self.thread.join(timeout=5)


if __name__ == "__main__":
    with Served(Path(sys.argv[2]), port=int(sys.argv[1])) as served:
        print(f"fake kioskd on {served.port}", flush=True)
        threading.Event().wait()
