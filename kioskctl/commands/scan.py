"""``kioskctl scan``: find pages in photos, correct them, make PDFs and ID copy pages; drive a camera."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import typer

from kioskctl.output import FAILED, NOTHING, USAGE, driver_errors, emit, fail

NAME = "scan"
app = typer.Typer(help="Document camera: detect pages, correct them, build PDFs.", no_args_is_help=True)


def _load(path: Path):
    from drivers.camera.replay import load_image

    try:
        return load_image(path)
    except ValueError as exc:
        fail(f"{exc}; pass a readable image file", USAGE)


def _write(path: Path, data: bytes) -> None:
    try:
        path.write_bytes(data)
    except OSError as exc:
        fail(f"cannot write {path}: {exc.strerror}; check the folder exists and is writable", FAILED)


def _corners(quad) -> list[list[float]]:
    return [[round(float(x), 2), round(float(y), 2)] for x, y in quad]


@app.command()
def detect(
    images: list[Path] = typer.Argument(..., help="Photos of the plate."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """Find the page or card in each image: corners TL, TR, BR, BL in image pixels, or none."""
    from drivers.camera.detect import detect as find

    missing = 0
    for path in images:
        image = _load(path)
        t0 = time.perf_counter()
        found = find(image)
        ms = (time.perf_counter() - t0) * 1000
        quad = None if found.quad is None else _corners(found.quad)
        others = [_corners(q) for q in found.others]  # more documents on the plate: only the largest is taken
        missing += quad is None
        if as_json:
            line = {"image": str(path), "quad": quad, "ms": round(ms, 2), "others": others}
            sys.stdout.write(json.dumps(line) + "\n")
        else:
            where = "none" if quad is None else " ".join(f"({x:.0f},{y:.0f})" for x, y in quad)
            more = f"  (+{len(others)} more on the plate)" if others else ""
            sys.stdout.write(f"{path}: {where}  [{ms:.1f} ms]{more}\n")
    sys.stdout.flush()


@app.command()
def process(
    image: Path = typer.Argument(..., help="Photo of the plate, or an already cropped page."),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the corrected page (JPEG)."),
    mode: str = typer.Option("enhanced", "--mode", help="enhanced (white page, small file) or color."),
    kind: str = typer.Option("auto", "--kind", help="a4, id_card, photo or auto (from the aspect ratio)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Correct one page: perspective to its real aspect, deskew, enhance."""
    from drivers.camera import warp
    from drivers.camera.detect import detect as find

    if mode not in warp.MODES:
        fail(f"--mode {mode!r} is not one of {', '.join(warp.MODES)}", USAGE)
    if kind not in warp.KINDS:
        fail(f"--kind {kind!r} is not one of {', '.join(warp.KINDS)}", USAGE)
    img = _load(image)
    found = find(img)
    page, spec = warp.process(img, found.quad, kind, mode)
    _write(output, warp.encode_jpeg(page, spec.dpi, quality=75 if page.ndim == 2 else 85))
    emit({"output": str(output), "found": found.quad is not None, "kind": spec.kind,
          "size_mm": list(spec.size_mm), "width": page.shape[1], "height": page.shape[0]}, as_json=as_json)


@app.command()
def pdf(
    images: list[Path] = typer.Argument(..., help="Photos of pages, in order."),
    output: Path = typer.Option(..., "-o", "--output", help="The PDF to write."),
    mode: str = typer.Option("enhanced", "--mode", help="enhanced or color."),
    kind: str = typer.Option("auto", "--kind", help="a4, id_card, photo or auto."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Correct each page and write one PDF, each page at its true size."""
    from drivers.camera import warp
    from drivers.camera.detect import detect as find
    from drivers.camera.pdf import pages_to_pdf

    if mode not in warp.MODES:
        fail(f"--mode {mode!r} is not one of {', '.join(warp.MODES)}", USAGE)
    pages = []
    for path in images:
        img = _load(path)
        page, spec = warp.process(img, find(img).quad, kind, mode)
        pages.append((warp.encode_jpeg(page, spec.dpi, quality=75 if page.ndim == 2 else 85), spec.size_mm))
    data = pages_to_pdf(pages)
    _write(output, data)
    emit({"output": str(output), "pages": len(pages), "bytes": len(data)}, as_json=as_json)


@app.command("id-copy")
def id_copy(
    front: Path = typer.Argument(..., help="Photo of the card's front (人像面)."),
    back: Path = typer.Argument(..., help="Photo of the card's back (国徽面)."),
    output: Path = typer.Option(..., "-o", "--output", help="JPEG or PDF (by suffix)."),
    note: str = typer.Option("", "--note", help="Line printed under the cards, e.g. 仅供办理XX业务使用."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """身份证复印件: both sides of the ID card at true size on one A4 page."""
    from drivers.camera import warp
    from drivers.camera.detect import detect as find
    from drivers.camera.pdf import pages_to_pdf

    sides = []
    for path in (front, back):
        img = _load(path)
        found = find(img)
        if found.quad is None:
            fail(f"{path}: no card found; photograph it on a plain plate with all four corners visible", NOTHING)
        card, _ = warp.process(img, found.quad, "id_card", "color")
        sides.append(card)
    page = warp.id_copy_page(sides[0], sides[1], note=note or None)
    jpeg = warp.encode_jpeg(page, 300, quality=85)
    data = pages_to_pdf([(jpeg, warp.A4_MM)]) if output.suffix.lower() == ".pdf" else jpeg
    _write(output, data)
    emit({"output": str(output), "bytes": len(data)}, as_json=as_json)


@app.command()
def capture(
    device: str = typer.Option("sim:?doc=a4", "--device", help="Camera URI: uvc://0, images:///dir, sim:"),
    output: Path = typer.Option(..., "-o", "--output", help="Where to write the corrected page (JPEG)."),
    kind: str = typer.Option("auto", "--kind"),
    mode: str = typer.Option("enhanced", "--mode"),
    wait: float = typer.Option(0.0, "--wait", help="Seconds to wait for auto-capture (0 = capture now)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Capture one page from a camera (immediately, or when auto-capture fires)."""
    from drivers import registry
    from drivers.camera.device import DocumentCamera

    with driver_errors():
        camera = registry.create("camera", device)
        assert isinstance(camera, DocumentCamera)
        with camera:
            try:
                page = camera.capture_pages(1, kind, mode, timeout=wait)[0] if wait > 0 else camera.capture(kind, mode)
            except ValueError as exc:
                fail(str(exc), USAGE)
    _write(output, page.jpeg)
    emit({"output": str(output), **page.to_dict()}, as_json=as_json)
