"""Effects go to their service by their class: every effect the engine can order has one handler."""

from __future__ import annotations

import logging
import threading
import typing

from flows import effects as fx
from local_api.services.dispatch import EffectDispatcher


def test_quick_effects_run_at_once_in_order_and_a_failing_handler_does_not_stop_the_rest(caplog):
    done: list[str] = []
    dispatcher = EffectDispatcher()
    slow = threading.Event()

    def broken(session_id: str, effect: fx.StopCapture) -> None:
        raise RuntimeError("camera gone")

    dispatcher.on(fx.StopCardReader, lambda sid, e: done.append(f"{sid}:stop_card_reader"), inline=True)
    dispatcher.on(fx.StopCapture, broken, inline=True)
    dispatcher.on(fx.WipeSession, lambda sid, e: done.append(f"{sid}:wipe"), inline=True)
    dispatcher.on(fx.Speak, lambda sid, e: slow.set())
    with caplog.at_level(logging.ERROR):
        dispatcher.run("s1", [fx.StopCardReader(), fx.StopCapture(), fx.Speak(text="请放身份证"),
                              fx.WipeSession(session_id="s1", reason="finished"), fx.DiscardPages(refs=[])])
    assert done == ["s1:stop_card_reader", "s1:wipe"]
    assert slow.wait(2), "the slow effect never ran on the pool"
    assert "effect failed" in caplog.text and "no handler for effect" in caplog.text
    dispatcher.stop()


def test_a_class_gets_one_handler():
    dispatcher = EffectDispatcher()
    dispatcher.on(fx.Speak, lambda sid, e: None)
    try:
        dispatcher.on(fx.Speak, lambda sid, e: None)
    except ValueError as exc:
        assert "Speak" in str(exc)
    else:
        raise AssertionError("a second handler for Speak was accepted")
    finally:
        dispatcher.stop()


def test_kioskd_has_a_handler_for_every_effect_the_engine_orders(tmp_path):
    from local_api.main import create_app
    from local_api.settings import Settings

    app = create_app(Settings(data_dir=tmp_path, devices="sim", voice="none:"), configure_logging=False)
    dispatcher = app.state.daemon.sessions.run_effects.__self__
    union = typing.get_args(typing.get_args(fx.Effect)[0])
    assert dispatcher.handles() == set(union)
    dispatcher.stop()
