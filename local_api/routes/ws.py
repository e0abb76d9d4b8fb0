"""``WS /v1/events``: pushes session snapshots and device status changes to the UI."""

from __future__ import annotations

import asyncio
import contextlib

from fastapi import APIRouter, WebSocket, WebSocketDisconnect, status

from local_api.auth import websocket_token_ok

router = APIRouter()


@router.websocket("/events")
async def events(ws: WebSocket) -> None:
    if not websocket_token_ok(ws):
        await ws.close(code=status.WS_1008_POLICY_VIOLATION, reason="missing or wrong API token")
        return
    await ws.accept()
    bus = ws.app.state.daemon.bus
    queue = bus.subscribe()

    async def pump() -> None:
        while True:
            await ws.send_json(await queue.get())

    sender = asyncio.create_task(pump())
    try:
        while True:
            await ws.receive_text()  # the UI sends nothing; this notices when it goes away
    except WebSocketDisconnect:
        pass
    finally:
        sender.cancel()
        bus.unsubscribe(queue)
        with contextlib.suppress(RuntimeError):
            await ws.close()
