"""``kioskctl voice pack``: check a hall's recorded prompts for one language and say which are missing."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from drivers.voice.pack import MIN_RATE_HZ, load_pack
from flows.catalog import load_catalog
from flows.translations import LANGUAGES, voice_prompts
from flows.validate import DefinitionError
from kioskctl.output import FAILED, USAGE, emit, fail

NAME = "voice"
app = typer.Typer(help="Recorded voice prompts for Tibetan, Uyghur and Mongolian (voice packs).",
                  no_args_is_help=True)


@app.command()
def pack(
    folder: Path = typer.Argument(..., help="the folder of <item>.<step>.wav files for one language"),
    language: str = typer.Option(..., "--language", help="bo_CN, ug_CN or mn_CN"),
    directory: Path | None = typer.Option(None, "--dir", help="definitions folder (the shipped ones by default)"),
    as_json: bool = typer.Option(False, "--json", help="print JSON only"),
) -> None:
    """Check every WAV (16-bit mono PCM, 16 kHz or more, 0.3-30 s, audible, not clipped) and list the
    prompts with no usable recording, with the words to record; exit 1 when a file cannot be used."""
    if language not in LANGUAGES:
        fail(f"no language {language!r}; use one of {', '.join(LANGUAGES)} (Mandarin is synthesised)", USAGE)
    try:
        catalog = load_catalog(directory)
    except DefinitionError as exc:
        fail(f"definitions are invalid; run 'kioskctl flows validate' to see why ({exc.problems[0]})", FAILED)
    script = voice_prompts(catalog.values(), language)
    checked = load_pack(folder, language, known=script)
    missing = checked.missing(script)
    report = {
        "language": language,
        "prompts": len(script),
        "recorded": len(checked.recordings),
        "share_recorded": round(len(checked.recordings) / len(script), 3) if script else 1.0,
        "problems": [{"file": p.file, "message": p.message} for p in checked.problems],
        "missing": [{"id": prompt_id, "text": script[prompt_id]} for prompt_id in missing],
        "recordings": [{"id": r.prompt_id, "seconds": r.seconds, "rate_hz": r.rate_hz, "rms_dbfs": r.rms_dbfs}
                       for r in checked.recordings.values()],
    }
    if as_json:
        emit(report, as_json=True)
    else:
        for problem in checked.problems:
            sys.stdout.write(f"problem  {problem}\n")
        for gap in report["missing"]:
            sys.stdout.write(f"no recording  {gap['id']}.wav  {gap['text']}\n")
        sys.stdout.write(f"{language}: {report['recorded']} of {report['prompts']} prompts recorded; the others are "
                         f"spoken in Mandarin. Record 16-bit mono WAV at {MIN_RATE_HZ} Hz or more.\n")
    if checked.problems:
        raise typer.Exit(FAILED)
