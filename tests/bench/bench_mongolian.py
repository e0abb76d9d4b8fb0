"""Traditional Mongolian and voice packs, measured.

    .venv/bin/python tests/bench/bench_mongolian.py [--runs 30] [--packs DIR]

- render: drawing a step's heading (title and prompt of 取号's first step) at 1080x1920 sizes, Chinese
  only against Chinese plus its vertical Mongolian column (shaped with HarfBuzz, one texture per
  column), interleaved in one process; medians and their ratio.
- voice: per language, the share of the shipped items' step prompts that are spoken in it: Mandarin
  synthesises all; Tibetan, Uyghur and Mongolian only what a voice pack under ``--packs`` (one folder
  per language) has recorded, out of the prompts that can be recorded (no number or time in them).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from flows.catalog import load_catalog  # noqa: E402
from flows.translations import LANGUAGES, voice_prompts  # noqa: E402


def bench_render(runs: int) -> None:
    from kiosk import boot

    boot.prepare(Path(tempfile.mkdtemp(prefix="bench-mn-")), headless=True, size=(1080, 1920), density=1)
    from kivy.core.window import Window  # noqa: F401  (the GL context the textures need)

    from kiosk.theme import NORMAL
    from kiosk.widgets.mongol import MongolianText
    from kiosk.widgets.text import ScriptCoreLabel
    from tests.bench.timing import interleaved

    item = load_catalog()["queue_ticket"]
    step = item.step("service")
    words = item.translations["mn_CN"].steps["service"]

    def chinese() -> None:
        for text, size in ((step.title, NORMAL.title), (step.prompt, NORMAL.body)):
            label = ScriptCoreLabel(text=text, font_size=size, text_size=(900, None))
            label.refresh()

    def bilingual() -> None:
        chinese()
        MongolianText(text=f"{words.title}\n{words.prompt}", font_px=NORMAL.body, size=(10, NORMAL.body * 9))

    interleaved([chinese, bilingual], 3)  # warm the font caches
    base, mongolian = interleaved([chinese, bilingual], runs)
    print(f"render heading, median of {runs}: Chinese only {base:.2f} ms, with the Mongolian column "
          f"{mongolian:.2f} ms, ratio {mongolian / base:.2f}")


def voice_share(packs: Path | None) -> None:
    from drivers.voice.pack import load_pack

    catalog = load_catalog()
    every = sum(1 for item in catalog.values() for step in item.steps if step.prompt)
    print(f"voice: {every} step prompts in {len(catalog)} items; zh_CN 100% (synthesised, numbers included)")
    for language in LANGUAGES:
        script = voice_prompts(catalog.values(), language)
        folder = packs / language if packs else None
        recorded = len(load_pack(folder, language, known=script).recordings) if folder and folder.is_dir() else 0
        print(f"voice: {language} {recorded}/{len(script)} recordable prompts recorded "
              f"({recorded / every:.0%} of all step prompts; the rest are said in Mandarin)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--packs", type=Path, default=None)
    args = parser.parse_args()
    voice_share(args.packs)
    bench_render(args.runs)


if __name__ == "__main__":
    main()
