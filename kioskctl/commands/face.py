"""``kioskctl face``: compare a card photo with a live picture; run the liveness challenge on a face camera.

Face images are personal data: nothing here writes them anywhere or names them in its output.
"""

from __future__ import annotations

import random
import sys
import time
from pathlib import Path

import typer

from kioskctl.output import FAILED, NOTHING, USAGE, emit, fail

NAME = "face"
app = typer.Typer(help="Face check (人证核验): match a card photo with a live picture, liveness.",
                  no_args_is_help=True)


def _image(path: Path, what: str):
    from drivers.face.errors import UnreadableImage
    from drivers.face.image import read

    try:
        return read(path)
    except UnreadableImage as exc:
        fail(f"{what}: {exc}", USAGE)


@app.command()
def match(
    card_photo: Path = typer.Option(..., "--card-photo", help="The card's photo (JPEG, PNG or the decoder's BMP)."),
    live: Path = typer.Option(..., "--live", help="A picture of the person at the kiosk."),
    threshold: float | None = typer.Option(None, "--threshold", help="Score needed for a match (default: the "
                                           "kiosk's, chosen for a false accept rate of at most 0.1 %)."),
    as_json: bool = typer.Option(False, "--json", help="Print only JSON."),
) -> None:
    """Whether the live picture shows the card's holder: match, score, threshold, ms.

    Exit 0 whether or not they match; 3 when either picture has no face; 2 for an unreadable picture.
    """
    from drivers.face.compare import DEFAULT_THRESHOLD
    from drivers.face.errors import FaceError, NoFace, SeveralFaces
    from drivers.face.image import wipe
    from drivers.face.matcher import FaceMatcher

    card, person = _image(card_photo, "--card-photo"), _image(live, "--live")
    try:
        result = FaceMatcher(DEFAULT_THRESHOLD if threshold is None else threshold).match(card, person)
    except NoFace as exc:
        fail(str(exc), NOTHING)
    except SeveralFaces as exc:
        fail(f"{exc}; crop the picture to one face", FAILED)
    except FaceError as exc:
        fail(str(exc), FAILED)
    finally:
        wipe(card, person)
    emit(result.to_dict(), as_json=as_json, human=lambda d: (
        f"{'match' if d['match'] else 'no match'}: score {d['score']:.3f} "
        f"(threshold {d['threshold']:.3f}), {d['ms']} ms"))


@app.command()
def liveness(
    device: str = typer.Option("sim:", "--device", help="uvc://N, v4l2:///dev/videoN, images:///dir or sim:"),
    timeout: float = typer.Option(30.0, "--timeout", help="Give up after this many seconds."),
    seed: int | None = typer.Option(None, "--seed", help="Fix the challenge's order (tests and demos)."),
    play: bool = typer.Option(False, "--play", help="sim: only: the simulated person does what is asked."),
    as_json: bool = typer.Option(False, "--json", help="Print only JSON."),
) -> None:
    """Run the liveness challenge (blink, turn left, turn right in random order) on a face camera.

    Exit 0 when passed, 1 when refused (the reason says why), 3 when no face came in time.
    """
    from drivers import registry
    from drivers.errors import DriverError, InvalidDeviceUri
    from drivers.face.camera import FaceCamera
    from drivers.face.liveness import Hint, LivenessCheck
    from drivers.face.sim import SimFaceSource

    try:
        camera = registry.create("face_camera", device)
    except InvalidDeviceUri as exc:
        fail(str(exc), USAGE)
    assert isinstance(camera, FaceCamera)
    check = LivenessCheck.random(random.Random(seed) if seed is not None else None)
    hints: list[str] = []
    t0 = time.monotonic()
    try:
        camera.open()
        camera.claim("kioskctl")
        camera.enable()
        while not check.done and time.monotonic() - t0 < timeout:
            frame = camera.frame()
            hint = check.feed(frame, time.monotonic() - t0)
            frame.fill(0)
            if not hints or hints[-1] != hint.value:
                hints.append(hint.value)
                if not as_json:
                    sys.stderr.write(f"{hint.value}\n")
            asked = hint in (Hint.BLINK, Hint.TURN_LEFT, Hint.TURN_RIGHT)
            if play and asked and isinstance(camera.source, SimFaceSource) and not camera.source.acting:
                camera.source.act(hint.value)
    except DriverError as exc:
        fail(str(exc), FAILED)
    finally:
        camera.close()
    result = check.result()
    out = {"passed": result.passed, "reason": result.reason, "order": [a.value for a in check.challenge.order],
           "done": list(result.actions), "screen_score": round(result.screen_score, 2),
           "seconds": round(time.monotonic() - t0, 2), "hints": hints}
    emit(out, as_json=as_json)
    if not result.passed:
        raise typer.Exit(NOTHING if "no single face" in result.reason or not check.scores else FAILED)
