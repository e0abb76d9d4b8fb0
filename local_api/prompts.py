"""Render the fixed voice prompts to WAV files at set-up (``python -m local_api.prompts``).

Fixed prompts (each step's prompt without placeholders, the idle question, the card greeting, printer faults) are
synthesised once into ``assets/voice`` so the kiosk plays them without synthesis; dynamic text
(ticket numbers, case numbers) is still synthesised live and cached in the data dir.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from drivers.errors import DriverError
from drivers.voice.device import PROMPTS_DIR, prompt_key
from drivers.voice.engine import EspeakPinyinEngine
from flows import engine
from flows.catalog import load_catalog
from local_api.selftest_checks import VOICE_PROMPT


def fixed_prompts() -> list[str]:
    texts = {engine.IDLE_QUESTION, engine.CARD_HELD, *engine.PRINT_FAULTS.values(), VOICE_PROMPT}
    for item in load_catalog().values():
        texts.update(step.prompt for step in item.steps if step.prompt and "{" not in step.prompt)
    return sorted(texts)


def render(out: Path = PROMPTS_DIR) -> tuple[int, int]:
    """Synthesise every fixed prompt missing from ``out``; returns (rendered, already there)."""
    synth = EspeakPinyinEngine()
    out.mkdir(parents=True, exist_ok=True)
    made = kept = 0
    for text in fixed_prompts():
        path = out / f"{prompt_key(text)}.wav"
        if path.exists():
            kept += 1
            continue
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(synth.synthesize(text))
        tmp.replace(path)
        made += 1
    return made, kept


def main() -> int:
    parser = argparse.ArgumentParser(description="Render the kiosk's fixed voice prompts into assets/voice")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    try:
        made, kept = render()
    except DriverError as exc:
        sys.stderr.write(f"prompts: {exc}\n")
        return 0 if args.quiet else 1  # the kiosk still speaks, synthesising live
    if not args.quiet:
        sys.stdout.write(f"prompts: {made} rendered, {kept} already there, in {PROMPTS_DIR}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
