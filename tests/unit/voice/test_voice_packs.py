"""A hall's recorded prompts (voice packs): every WAV checked before it is played, a recording in the
citizen's language played instead of Mandarin, and kioskctl saying what is missing. WAVs are made here."""

from __future__ import annotations

import json
import math
import time
import wave
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from drivers.voice.pack import check_wav, load_pack
from flows.catalog import load_catalog
from flows.engine import start
from flows.translations import voice_prompts
from kioskctl.main import app as kioskctl
from local_api.settings import Settings

CATALOG = load_catalog()
T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def make_wav(path: Path, *, seconds: float = 1.0, rate: int = 16_000, dbfs: float = -12.0, channels: int = 1,
             width: int = 2, clip: bool = False, hz: float = 220.0) -> Path:
    """A tone as a PCM WAV file (a stand-in for a recorded voice)."""
    t = np.arange(int(seconds * rate)) / rate
    wave_ = np.sin(2 * math.pi * hz * t) * (10 ** (dbfs / 20)) * math.sqrt(2) * 32767
    if clip:
        wave_ = np.sign(wave_) * 32767
    samples = np.clip(wave_, -32767, 32767)
    data = (samples / 256 + 128).astype(np.uint8) if width == 1 else samples.astype("<i2")
    if channels == 2:
        data = np.repeat(data, 2)
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(data.tobytes())
    return path


def test_a_good_recording_passes_with_what_was_measured(tmp_path):
    recording, why = check_wav(make_wav(tmp_path / "queue_ticket.service.wav", seconds=2.5, rate=22_050))
    assert why == "" and recording is not None
    assert (recording.prompt_id, recording.rate_hz, recording.seconds) == ("queue_ticket.service", 22_050, 2.5)
    assert -12.5 < recording.rms_dbfs < -11.5


@pytest.mark.parametrize(("kwargs", "says"), [
    ({"rate": 8_000}, "sample rate 8000 Hz is too low"),
    ({"channels": 2}, "2 channels; export as mono"),
    ({"width": 1}, "8-bit samples; export as 16-bit PCM"),
    ({"seconds": 0.1}, "0.10 s long"),
    ({"seconds": 31.0}, "31.00 s long"),
    ({"dbfs": -50.0}, "too quiet (RMS -50.0 dBFS)"),
    ({"clip": True}, "clipped"),
])
def test_a_bad_recording_is_refused_saying_what_to_fix(tmp_path, kwargs, says):
    recording, why = check_wav(make_wav(tmp_path / "a.wav", **kwargs))
    assert recording is None and says in why


def test_a_folder_is_checked_file_by_file_and_the_missing_prompts_listed(tmp_path):
    script = voice_prompts(CATALOG.values(), "mn_CN")
    assert script["queue_ticket.service"].startswith("ᠪᠦᠲᠦᠭᠡᠬᠦ")  # the Mongolian words to read
    assert "queue_ticket.done" not in script  # "{case_no}" changes per citizen: synthesised, never recorded
    make_wav(tmp_path / "queue_ticket.service.wav")
    make_wav(tmp_path / "queue_ticket.priority.wav", rate=8_000)
    make_wav(tmp_path / "queue_ticket.servise.wav")  # misspelt id
    (tmp_path / "notes.txt").write_text("x", encoding="utf-8")
    (tmp_path / "queue_ticket.issue.wav").write_text("not audio", encoding="utf-8")
    pack = load_pack(tmp_path, "mn_CN", known=script)
    assert set(pack.recordings) == {"queue_ticket.service"}
    problems = {p.file: p.message for p in pack.problems}
    assert set(problems) == {"queue_ticket.priority.wav", "queue_ticket.servise.wav", "notes.txt",
                             "queue_ticket.issue.wav"}
    assert "no prompt has the id 'queue_ticket.servise'" in problems["queue_ticket.servise.wav"]
    assert "not a PCM WAV file" in problems["queue_ticket.issue.wav"]
    assert pack.missing(["queue_ticket.service", "queue_ticket.priority"]) == ["queue_ticket.priority"]
    assert pack.wav("queue_ticket.service") == (tmp_path / "queue_ticket.service.wav").read_bytes()
    assert pack.wav("queue_ticket.priority") is None  # refused files are never played


def test_kioskctl_says_which_prompts_have_no_recording(tmp_path):
    make_wav(tmp_path / "queue_ticket.service.wav")
    good = CliRunner().invoke(kioskctl, ["voice", "pack", str(tmp_path), "--language", "bo_CN", "--json"])
    assert good.exit_code == 0, good.output
    report = json.loads(good.stdout)
    total = len(voice_prompts(CATALOG.values(), "bo_CN"))
    assert (report["recorded"], report["prompts"]) == (1, total)
    assert report["share_recorded"] == round(1 / total, 3)
    missing = {gap["id"]: gap["text"] for gap in report["missing"]}
    assert len(missing) == total - 1 and "queue_ticket.service" not in missing
    assert missing["queue_ticket.priority"].startswith("ལོ་༦༠ཡན་")  # what the speaker should read
    make_wav(tmp_path / "queue_ticket.priority.wav", dbfs=-60.0)
    bad = CliRunner().invoke(kioskctl, ["voice", "pack", str(tmp_path), "--language", "bo_CN"])
    assert bad.exit_code == 1 and "problem  queue_ticket.priority.wav: too quiet" in bad.stdout
    usage = CliRunner().invoke(kioskctl, ["voice", "pack", str(tmp_path), "--language", "zh_CN"])
    assert usage.exit_code == 2 and "Mandarin is synthesised" in usage.stderr


def test_the_engine_names_the_prompt_and_the_citizens_language():
    snap, effects = start(CATALOG["queue_ticket"], session_id="s", at=T0, language="mn_CN")
    [speak] = [e for e in effects if e.type == "speak"]
    assert (speak.prompt_id, speak.language, snap.language) == ("queue_ticket.service", "mn_CN", "mn_CN")
    assert speak.text.startswith("请选择")  # Mandarin stays the fallback


def _spoken(folder: Path, count: int) -> list[Path]:
    deadline = time.monotonic() + 20  # the voice runs on the effect pool: wait for its file, not a fixed time
    while time.monotonic() < deadline:
        wavs = sorted(folder.glob("*.wav"))
        if len(wavs) >= count and all(w.with_suffix(".txt").exists() for w in wavs):  # the text is written last
            return wavs
        time.sleep(0.02)
    raise AssertionError(f"{count} prompt(s) not spoken in time; got {sorted(folder.glob('*'))}")


def test_kioskd_plays_the_halls_recording_for_a_mongolian_session_and_mandarin_otherwise(tmp_path):
    from local_api.main import create_app

    packs = tmp_path / "packs"
    (packs / "mn_CN").mkdir(parents=True)
    recording = make_wav(packs / "mn_CN" / "queue_ticket.service.wav", hz=330.0).read_bytes()
    spoken = tmp_path / "spoken"
    settings = Settings(data_dir=tmp_path / "data", devices="sim", voice=f"sim://{spoken}", voice_packs=packs,
                        items=("queue_ticket",))
    kioskd = create_app(settings, configure_logging=False)
    with TestClient(kioskd, base_url="http://127.0.0.1") as client:
        client.headers["Authorization"] = f"Bearer {kioskd.state.token}"
        started = client.post("/v1/sessions", json={"item_code": "queue_ticket", "language": "mn_CN"})
        assert started.status_code == 201
        [first] = _spoken(spoken, 1)
        assert first.read_bytes() == recording
        assert client.delete("/v1/sessions/current").status_code in (200, 204)
        assert client.post("/v1/sessions", json={"item_code": "queue_ticket"}).status_code == 201
        second = _spoken(spoken, 2)[1]
        assert second.read_bytes() != recording  # Chinese: the synthesised (pre-rendered) Mandarin
        assert second.with_suffix(".txt").read_text(encoding="utf-8").startswith("请选择您要办理的业务")
