"""Every message kioskd pushes to the UI is a typed PushMessage that survives the wire."""

from __future__ import annotations

import asyncio
import typing

import pytest

from flows import effects as fx
from local_api.events import EventBus
from local_api.schemas import PUSH_TYPES, CameraPreviewView, PushMessage


def test_the_listed_push_types_are_the_models_types():
    assert set(typing.get_args(PushMessage.model_fields["type"].annotation)) == set(PUSH_TYPES)


def test_the_bus_carries_only_push_messages_and_delivers_json_the_ui_validates():
    bus = EventBus()
    loop = asyncio.new_event_loop()
    try:
        bus.bind(loop)
        queue = bus.subscribe()
        preview = CameraPreviewView(quad=[[0, 0], [1, 0], [1, 1], [0, 1]], hint="move_closer", width=640, height=480)
        bus.publish(PushMessage(type="camera", session_id="s1", preview=preview))
        with pytest.raises(AttributeError):
            bus.publish({"type": "camera"})  # a hand-built dict is no longer a message
        loop.run_until_complete(asyncio.sleep(0))
        data = queue.get_nowait()
    finally:
        loop.close()
    assert PushMessage.model_validate(data).preview == preview


class _Recorder:
    def __init__(self) -> None:
        self.messages: list[PushMessage] = []

    def publish(self, message: PushMessage) -> None:
        self.messages.append(PushMessage.model_validate_json(message.model_dump_json()))


def test_the_services_helper_and_card_messages_are_in_the_schema(tmp_path):
    from local_api.services.card_watch import CardWatch
    from local_api.services.desk import HelperCalls

    recorder = _Recorder()
    helper = HelperCalls(recorder)  # type: ignore[arg-type]
    cards = CardWatch(None, None, recorder, speak=print, clock=None)  # type: ignore[arg-type]  # publishing only
    helper.call("s1", fx.CallHelper(session_id="s1", step="form"))
    helper.cancel("s1", fx.CancelHelper(session_id="s1"))
    cards.publish("held", "张*丰")
    assert [(m.type, m.helper.state if m.helper else m.card.state) for m in recorder.messages] == [
        ("helper", "called"), ("helper", "cancelled"), ("card", "held")]
    assert recorder.messages[0].helper.step == "form" and recorder.messages[2].card.name_masked == "张*丰"
