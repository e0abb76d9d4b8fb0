"""A stand-in for kioskhub's video-help relay: the agreed protocol and nothing else, for kiosk-side tests.

It speaks the kiosk's HTTP and WebSocket routes exactly as the protocol says, plus a bare helper
page with the agreed element ids and ``window.callStats()``. Run as a module for a subprocess:
``python -m tests.integration.video.standin_hub --port P --token T [--turn URL USER PASS]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Form, Request, WebSocket, WebSocketDisconnect
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse

from common.masking import mask_phone

COOKIE = "standin_helper"


@dataclass
class Room:
    id: str
    item: dict[str, Any]
    status: str = "ringing"
    helper: str | None = None
    end_reason: str = ""
    kiosk: WebSocket | None = None
    page: WebSocket | None = None
    kiosk_log: list[dict[str, Any]] = field(default_factory=list)  # what the kiosk sent
    callbacks: list[str] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    timer: Any = None


def make_app(kiosk_token: str, *, helper: tuple[str, str, str] = ("helper1", "secret", "王小明"),
             ice_servers: list[dict[str, Any]] | None = None, relay_only: bool = False,
             ring_timeout_s: int = 60, recording: bool = False) -> FastAPI:
    """The stand-in hub; ``app.state.rooms`` lets in-process tests look inside."""
    app = FastAPI()
    rooms: dict[str, Room] = {}
    app.state.rooms = rooms
    app.state.kiosk_token = kiosk_token  # tests change these two to revoke the kiosk or shorten the ring
    app.state.ring_timeout_s = ring_timeout_s
    app.state.waiting_helpers = 1  # helpers with the console open, as the hub reports it while ringing

    def kiosk_ok(headers: Any) -> bool:
        return headers.get("authorization", "") == f"Bearer {app.state.kiosk_token}"

    async def to_page(room: Room, message: dict[str, Any]) -> None:
        if room.page is not None:
            try:
                await room.page.send_text(json.dumps(message, ensure_ascii=False))
            except Exception:  # the page went away; it gets the state again when it comes back
                room.page = None

    async def to_kiosk(room: Room, message: dict[str, Any]) -> None:
        if room.kiosk is not None:
            try:
                await room.kiosk.send_text(json.dumps(message, ensure_ascii=False))
            except Exception:
                room.kiosk = None

    async def end(room: Room, by: str, reason: str) -> None:
        if room.status in ("ended", "missed", "cancelled"):
            return
        room.status = "cancelled" if room.status == "ringing" and by == "kiosk" else "ended"
        room.end_reason = f"{by}:{reason}"
        if by != "kiosk":
            await to_kiosk(room, {"type": "hangup", "by": by, "reason": reason})
        if by != "helper":
            await to_page(room, {"type": "hangup", "by": by, "reason": reason})

    async def ring_timer(room: Room, timeout: float) -> None:
        await asyncio.sleep(timeout)
        if room.status == "ringing":
            room.status, room.end_reason = "missed", "hub:unanswered"
            await to_kiosk(room, {"type": "unanswered"})

    @app.get("/api/v1/health")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/api/v1/calls/policy")
    async def policy(request: Request) -> Any:
        if not kiosk_ok(request.headers):
            return JSONResponse({"detail": "unknown or revoked kiosk token"}, status_code=401)
        return {"recording": recording, "ring_timeout_s": app.state.ring_timeout_s}

    @app.post("/api/v1/calls", status_code=201)
    async def create(request: Request) -> Any:
        if not kiosk_ok(request.headers):
            return JSONResponse({"detail": "unknown or revoked kiosk token"}, status_code=401)
        room = Room(uuid.uuid4().hex, await request.json())
        rooms[room.id] = room
        timeout = app.state.ring_timeout_s
        room.timer = asyncio.get_running_loop().create_task(ring_timer(room, timeout))
        return {"call_id": room.id, "status": "ringing", "ring_timeout_s": timeout,
                "ice_servers": ice_servers or [], "recording": recording}

    @app.delete("/api/v1/calls/{call_id}")
    async def cancel(call_id: str, request: Request) -> Any:
        if not kiosk_ok(request.headers):
            return JSONResponse({"detail": "unknown or revoked kiosk token"}, status_code=401)
        room = rooms.get(call_id)
        if room is None:
            return JSONResponse({"detail": "no such call"}, status_code=404)
        if room.status not in ("ringing", "accepted", "connected"):
            return JSONResponse({"detail": "通话已结束", "code": "call_ended"}, status_code=409)
        await end(room, "kiosk", "kiosk_hangup")
        return {"call_id": call_id, "status": room.status}

    @app.post("/api/v1/calls/{call_id}/callback", status_code=201)
    async def callback(call_id: str, request: Request) -> Any:
        if not kiosk_ok(request.headers):
            return JSONResponse({"detail": "unknown or revoked kiosk token"}, status_code=401)
        room = rooms.get(call_id)
        if room is None:
            return JSONResponse({"detail": "no such call"}, status_code=404)
        phone = (await request.json()).get("phone", "")
        room.callbacks.append(phone)
        return {"callback_id": len(room.callbacks), "call_id": call_id, "phone": mask_phone(phone)}

    @app.websocket("/api/v1/calls/{call_id}/kiosk")
    async def kiosk_socket(ws: WebSocket, call_id: str) -> None:
        if not kiosk_ok(ws.headers):
            await ws.close(code=4401, reason="unknown kiosk token")
            return
        room = rooms.get(call_id)
        if room is None or room.status not in ("ringing", "accepted", "connected"):
            await ws.close(code=4404, reason="no live call")
            return
        await ws.accept()
        room.kiosk = ws
        if room.status == "ringing":
            await ws.send_text(json.dumps({"type": "ringing", "waiting_helpers": app.state.waiting_helpers}))
        elif room.page is not None:
            await ws.send_text(json.dumps({"type": "peer-joined", "role": "helper"}))
        try:
            while True:
                text = await ws.receive_text()
                try:
                    msg = json.loads(text)
                    kind = msg["type"]
                except (ValueError, KeyError, TypeError):
                    await ws.send_text(json.dumps({"type": "error", "detail": "not a protocol message"}))
                    continue
                room.kiosk_log.append(msg)
                if kind in ("offer", "state", "assist"):
                    await to_page(room, msg)
                elif kind == "hangup":
                    await end(room, "kiosk", "kiosk_hangup")
                else:
                    await ws.send_text(json.dumps({"type": "error", "detail": f"unknown type {kind}"}))
        except WebSocketDisconnect:
            if room.kiosk is ws:
                room.kiosk = None

    # -- the helper's side -------------------------------------------------------------------------
    user, password, display = helper

    @app.get("/helper/login", response_class=HTMLResponse)
    async def login_page() -> str:
        return ('<form method="post" action="/helper/login"><input id="login-username" name="username">'
                '<input id="login-password" name="password" type="password">'
                '<button id="login-submit" type="submit">登录</button></form>')

    @app.post("/helper/login")
    async def login(username: str = Form(...), password_in: str = Form(..., alias="password")) -> Any:
        if (username, password_in) != (user, password):
            return HTMLResponse("wrong", status_code=401)
        response = RedirectResponse("/helper", status_code=303)
        response.set_cookie(COOKIE, user)
        return response

    @app.get("/helper", response_class=HTMLResponse)
    async def console(request: Request) -> Any:
        if request.cookies.get(COOKIE) != user:
            return RedirectResponse("/helper/login", status_code=303)
        rows = "".join(f'<form method="post" action="/helper/calls/{r.id}/accept"><span>{r.item.get("item_name")}'
                       f'</span><button id="accept-{r.id}">接听</button></form>'
                       for r in rooms.values() if r.status == "ringing")
        history = "".join(f'<li class="history" data-call="{r.id}">{r.status} {r.end_reason}</li>'
                          for r in rooms.values())
        return f"<h1>待接听</h1>{rows}<ul>{history}</ul><script>setTimeout(()=>location.reload(),1000)</script>"

    @app.post("/helper/calls/{call_id}/accept")
    async def accept(call_id: str, request: Request) -> Any:
        room = rooms.get(call_id)
        if request.cookies.get(COOKIE) != user or room is None:
            return RedirectResponse("/helper/login", status_code=303)
        if room.status != "ringing":
            return HTMLResponse("已由其他工作人员接听", status_code=409)
        room.status, room.helper = "accepted", display
        await to_kiosk(room, {"type": "accepted", "helper": display})
        return RedirectResponse(f"/helper/calls/{call_id}", status_code=303)

    @app.post("/helper/calls/{call_id}/transfer")
    async def transfer(call_id: str, request: Request) -> Any:
        """Back to ringing for another helper; the old page is told, the kiosk rings again."""
        room = rooms.get(call_id)
        if request.cookies.get(COOKIE) != user or room is None:
            return RedirectResponse("/helper/login", status_code=303)
        room.status, room.helper = "ringing", None
        await to_page(room, {"type": "hangup", "by": "hub", "reason": "transferred"})
        room.page = None
        await to_kiosk(room, {"type": "ringing", "waiting_helpers": 1})
        return RedirectResponse("/helper", status_code=303)

    @app.get("/helper/calls/{call_id}", response_class=HTMLResponse)
    async def call_page(call_id: str, request: Request) -> Any:
        if request.cookies.get(COOKIE) != user:
            return RedirectResponse("/helper/login", status_code=303)
        config = json.dumps({"call": call_id, "ice": ice_servers or [], "relay": relay_only})
        return CALL_PAGE.replace("__CONFIG__", config)

    @app.websocket("/helper/calls/{call_id}/ws")
    async def page_socket(ws: WebSocket, call_id: str) -> None:
        room = rooms.get(call_id)
        if ws.cookies.get(COOKIE) != user:
            await ws.close(code=4401)
            return
        if room is None or room.status not in ("accepted", "connected"):
            await ws.close(code=4404)
            return
        await ws.accept()
        room.page = ws
        room.status = "connected"
        await to_kiosk(room, {"type": "peer-joined", "role": "helper"})
        try:
            while True:
                msg = json.loads(await ws.receive_text())
                if msg.get("type") in ("answer", "text", "highlight", "restart", "assist_stop", "assist_input"):
                    await to_kiosk(room, msg)
                elif msg.get("type") == "assist_request":  # the relay names the helper, as kioskhub does
                    await to_kiosk(room, {"type": "assist_request", "helper_id": user})
                elif msg.get("type") == "hangup":
                    await end(room, "helper", "helper_hangup")
                elif msg.get("type") == "_raw" and room.kiosk is not None:  # tests: a broken frame to the kiosk
                    await room.kiosk.send_text(msg["text"])
        except WebSocketDisconnect:
            if room.page is ws:
                room.page = None

    return app


CALL_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>视频帮办</title></head><body>
<video class="remote" data-view="camera" autoplay playsinline muted></video>
<video class="remote" data-view="screen" autoplay playsinline muted></video>
<video class="remote" data-view="document" autoplay playsinline muted></video>
<audio id="remote-audio" autoplay></audio>
<pre id="step"></pre><input id="text" maxlength="200"><button id="send-text">发送</button>
<button id="hangup">挂断</button><div id="status">waiting</div>
<script>
const CFG = __CONFIG__;
const ws = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host
                         + '/helper/calls/' + CFG.call + '/ws');
let pc = null, local = null;
const videos = Array.from(document.querySelectorAll('video.remote'));
const views = ['camera', 'screen', 'document'];
async function localMedia() {
  if (!local) local = await navigator.mediaDevices.getUserMedia({video: {width: 640, height: 480}, audio: true});
  return local;
}
function gathered(p) {
  return new Promise(r => { if (p.iceGatheringState === 'complete') return r();
    p.addEventListener('icegatheringstatechange', () => p.iceGatheringState === 'complete' && r()); });
}
ws.onmessage = async (ev) => {
  const m = JSON.parse(ev.data);
  if (m.type === 'offer') {
    if (pc) pc.close();
    pc = new RTCPeerConnection({iceServers: CFG.ice, iceTransportPolicy: CFG.relay ? 'relay' : 'all'});
    pc.ontrack = (e) => {
      if (e.track.kind === 'audio') {
        document.getElementById('remote-audio').srcObject = new MediaStream([e.track]); return;
      }
      const i = views.indexOf(e.track.id.replace('kiosk-', ''));
      const v = videos[i >= 0 ? i : Number(e.transceiver.mid)];
      if (v) v.srcObject = new MediaStream([e.track]);
    };
    await pc.setRemoteDescription({type: 'offer', sdp: m.sdp});
    const s = await localMedia(); s.getTracks().forEach(t => pc.addTrack(t, s));
    await pc.setLocalDescription(await pc.createAnswer()); await gathered(pc);
    ws.send(JSON.stringify({type: 'answer', sdp: pc.localDescription.sdp}));
  } else if (m.type === 'state') {
    document.getElementById('step').textContent = JSON.stringify(m.step);
  } else if (m.type === 'hangup') {
    document.getElementById('status').textContent = 'ended';
    if (pc) pc.close();
  }
};
document.getElementById('send-text').onclick = () =>
  ws.send(JSON.stringify({type: 'text', text: document.getElementById('text').value}));
document.getElementById('hangup').onclick = () => {
  ws.send(JSON.stringify({type: 'hangup'})); document.getElementById('status').textContent = 'ended';
  if (pc) pc.close();
};
window.callStats = async () => {
  const out = {videos: [], audioLevel: 0, connectionState: pc ? pc.connectionState : 'new'};
  if (!pc) return out;
  const stats = await pc.getStats();
  const c = document.createElement('canvas'); c.width = c.height = 1; const g = c.getContext('2d');
  stats.forEach(s => {
    if (s.type !== 'inbound-rtp') return;
    if (s.kind === 'audio') { out.audioLevel = Math.max(out.audioLevel, s.audioLevel || 0); return; }
    const v = videos[Number(s.mid)];
    let sample = null;
    if (v && v.videoWidth) { g.drawImage(v, v.videoWidth / 2, v.videoHeight / 2, 1, 1, 0, 0, 1, 1);
      sample = Array.from(g.getImageData(0, 0, 1, 1).data.slice(0, 3)); }
    out.videos.push({id: v ? v.dataset.view : s.mid, framesDecoded: s.framesDecoded || 0,
                     width: s.frameWidth || 0, height: s.frameHeight || 0, sample});
  });
  return out;
};
</script></body></html>"""


def main() -> None:
    import uvicorn

    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--turn", nargs=3, metavar=("URL", "USER", "PASS"))
    args = parser.parse_args()
    ice = [{"urls": [args.turn[0]], "username": args.turn[1], "credential": args.turn[2]}] if args.turn else []
    uvicorn.run(make_app(args.token, ice_servers=ice, relay_only=bool(args.turn)), host=args.host, port=args.port,
                log_level="warning")


if __name__ == "__main__":
    main()
