"""Voice prompts: Mandarin as numbered pinyin for espeak-ng, WAV files from the sim device."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from drivers import registry
from drivers.base import Health
from drivers.voice.text import normalise, to_pinyin


def test_hanzi_become_numbered_pinyin_with_pauses():
    assert to_pinyin("请将身份证放在感应区。") == "qing3 jiang1 shen1 fen4 zheng4 fang4 zai4 gan3 ying4 qu1"
    assert to_pinyin("好，请稍等") == "hao3, qing3 shao1 deng3"


def test_ticket_numbers_and_windows_are_read_digit_by_digit():
    assert normalise("请 A012 到 3 号窗口") == "请 A 零一二号 到 三 号窗口"
    assert "ling2 yi1 er4" in to_pinyin("A012")


@pytest.mark.skipif(not shutil.which("espeak-ng") or not shutil.which("sox"), reason="espeak-ng and sox needed")
def test_sim_voice_writes_a_real_wav_per_prompt(tmp_path):
    voice = registry.create("voice", f"sim://{tmp_path}")
    voice.open()
    assert voice.probe().health is Health.ONLINE
    voice.speak("请取走您的受理回执")
    voice.speak("请取走您的受理回执")  # cached: same audio, no second synthesis
    voice.set_muted(True)
    voice.speak("静音时不说话")
    wavs = sorted(tmp_path.glob("*.wav"))
    assert len(wavs) == 2
    assert (tmp_path / wavs[0].with_suffix(".txt").name).read_text(encoding="utf-8") == "请取走您的受理回执\n"
    stats = subprocess.run(["sox", str(wavs[0]), "-n", "stat"], capture_output=True, text=True).stderr
    length = float(next(line for line in stats.splitlines() if line.startswith("Length")).split()[-1])
    rms = float(next(line for line in stats.splitlines() if line.startswith("RMS     amplitude")).split()[-1])
    assert 1.0 < length < 6.0 and rms > 0.01


def test_missing_espeak_is_an_offline_device_not_a_crash(tmp_path, monkeypatch):
    voice = registry.create("voice", f"sim://{tmp_path}")
    monkeypatch.setattr(voice.engine, "binary", None)
    voice.open()
    assert voice.probe().health is Health.OFFLINE
    voice.speak("你好")
    assert voice.status.health is Health.ERROR and "espeak-ng" in voice.status.message


@pytest.mark.skipif(not shutil.which("espeak-ng"), reason="espeak-ng needed")
def test_fixed_prompts_are_rendered_once_and_played_without_synthesis(tmp_path, monkeypatch):
    from drivers.voice import device
    from local_api import prompts

    monkeypatch.setattr(device, "PROMPTS_DIR", tmp_path / "rendered")
    made, kept = prompts.render(tmp_path / "rendered")
    assert made == len(prompts.fixed_prompts()) > 20 and kept == 0
    assert prompts.render(tmp_path / "rendered") == (0, made)  # a second set-up renders nothing
    assert "还需要更多时间吗？" in prompts.fixed_prompts()

    voice = registry.create("voice", f"sim://{tmp_path / 'out'}")
    voice.open()
    monkeypatch.setattr(voice.engine, "synthesize", lambda text: pytest.fail(f"synthesised {text!r}"))
    voice.speak("还需要更多时间吗？")
    assert voice.status.health is Health.ONLINE
    assert len(list((tmp_path / "out").glob("*.wav"))) == 1
