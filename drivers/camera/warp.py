"""Page post-processing: perspective correction to the real aspect, deskew, enhancement, ID copy page."""

from __future__ import annotations

import io
from dataclasses import dataclass

import cv2
import numpy as np
from PIL import Image, ImageDraw

from drivers.camera import geometry
from drivers.camera.fonts import cjk_font

A4_MM = (210.0, 297.0)
ID_CARD_MM = (85.6, 54.0)  # ISO/IEC 7810 ID-1, the second-generation resident ID card
KINDS = ("a4", "id_card", "photo", "auto")
MODES = ("enhanced", "color")
DPI = {"a4": 200, "id_card": 300, "photo": 200}


@dataclass(frozen=True)
class PageSpec:
    """What a corrected page is: its kind and true size in millimetres (width, height)."""

    kind: str
    size_mm: tuple[float, float]
    dpi: int

    @property
    def size_px(self) -> tuple[int, int]:
        return (round(self.size_mm[0] / 25.4 * self.dpi), round(self.size_mm[1] / 25.4 * self.dpi))


def measured_aspect(quad: np.ndarray) -> float:
    """Width/height of the document from its quad (mean of opposite sides; fine for a top-down camera)."""
    top, right, bottom, left = geometry.side_lengths(quad)
    return float((top + bottom) / max(left + right, 1e-9))


def page_spec(quad: np.ndarray, kind: str = "auto", mm_per_px: float | None = None) -> PageSpec:
    """The page's true size: A4 or ID card by kind (or by aspect for ``auto``), else measured."""
    if kind not in KINDS:
        raise ValueError(f"unknown page kind {kind!r}; use one of {', '.join(KINDS)}")
    aspect = measured_aspect(quad)
    landscape = aspect > 1.0
    ratio = aspect if landscape else 1 / aspect
    if kind == "auto":
        if abs(ratio - 1.5) < 0.025:  # 3:2, the 6-inch print
            kind = "photo"
        elif abs(ratio - 1.586) < 0.085:
            kind = "id_card"
        elif abs(ratio - 1.414) < 0.085:
            kind = "a4"
        else:
            kind = "photo"
    if kind == "photo":
        top, right, bottom, left = geometry.side_lengths(quad)
        scale = mm_per_px or 0.1
        size = ((top + bottom) / 2 * scale, (left + right) / 2 * scale)
        return PageSpec("photo", (round(float(size[0]), 1), round(float(size[1]), 1)), DPI["photo"])
    short, long_ = sorted(A4_MM if kind == "a4" else ID_CARD_MM)
    size = (long_, short) if landscape else (short, long_)
    return PageSpec(kind, size, DPI[kind])


def warp(image: np.ndarray, quad: np.ndarray, size_px: tuple[int, int]) -> np.ndarray:
    """Map the quad (TL, TR, BR, BL) onto an upright ``size_px`` (w, h) image."""
    w, h = size_px
    src = geometry.order_quad(quad).astype(np.float32)
    # cut a hair inside the paper edge, so the edge and its shadow never show as a dark frame
    mx, my = 0.004 * w, 0.004 * h
    dst = np.float32([[-mx, -my], [w - 1 + mx, -my], [w - 1 + mx, h - 1 + my], [-mx, h - 1 + my]])
    m = cv2.getPerspectiveTransform(src, dst)
    scale = np.sqrt(geometry.area(src) / (w * h))
    flags = cv2.INTER_AREA if scale > 1.2 else cv2.INTER_CUBIC
    if flags == cv2.INTER_AREA:
        # warpPerspective has no true area filter: pre-shrink so it only resamples near 1:1
        f = 1.0 / scale
        small = cv2.resize(image, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        m = cv2.getPerspectiveTransform(((src + 0.5) * f - 0.5).astype(np.float32), dst)
        return cv2.warpPerspective(small, m, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return cv2.warpPerspective(image, m, (w, h), flags=flags, borderMode=cv2.BORDER_REPLICATE)


def skew_angle(image: np.ndarray, max_angle: float = 10.0) -> float:
    """Text skew in degrees (positive = counter-clockwise) from horizontal projection profiles."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    scale = 600 / max(gray.shape)
    small = cv2.resize(gray, None, fx=scale, fy=scale, interpolation=cv2.INTER_AREA) if scale < 1 else gray
    ink = cv2.adaptiveThreshold(small, 1, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 25, 15)
    h, w = ink.shape
    centre = (w / 2, h / 2)

    def sharpness(angle: float) -> float:
        rot = cv2.warpAffine(ink, cv2.getRotationMatrix2D(centre, angle, 1.0), (w, h), flags=cv2.INTER_NEAREST)
        profile = rot.sum(axis=1).astype(np.float64)
        return float(np.square(np.diff(profile)).sum())

    coarse = np.arange(-max_angle, max_angle + 0.01, 1.0)
    best = max(coarse, key=sharpness)
    fine = np.arange(best - 1.0, best + 1.01, 0.1)
    return float(max(fine, key=sharpness))


def deskew(image: np.ndarray, max_angle: float = 10.0) -> tuple[np.ndarray, float]:
    """Rotate so text lines run horizontally; returns the image and the angle corrected."""
    angle = skew_angle(image, max_angle)
    if abs(angle) < 0.2:
        return image, 0.0
    h, w = image.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    border = (255, 255, 255) if image.ndim == 3 else 255
    return cv2.warpAffine(image, m, (w, h), flags=cv2.INTER_CUBIC, borderValue=border), angle


def enhance(image: np.ndarray) -> np.ndarray:
    """Grey page with an even white background and crisp dark text (small as a JPEG)."""
    gray = image if image.ndim == 2 else cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    h, w = gray.shape
    # background = the page without its ink: close (max filter) on a small copy, then smooth
    f = 256 / max(h, w)
    small = cv2.resize(gray, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
    bg = cv2.morphologyEx(small, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (9, 9)))
    bg = cv2.GaussianBlur(cv2.medianBlur(bg, 5), (0, 0), 2)
    bg = cv2.resize(bg, (w, h), interpolation=cv2.INTER_LINEAR).astype(np.float32)
    flat = gray.astype(np.float32) / np.maximum(bg, 1.0)
    # paper → white, mid-grey ink → black; soft knee keeps thin strokes
    out = np.clip((flat - 0.45) / (0.88 - 0.45), 0, 1)
    out = (out**1.6) * 255
    blur = cv2.GaussianBlur(out, (0, 0), 1.0)
    out = cv2.addWeighted(out, 1.6, blur, -0.6, 0)
    out = np.clip(np.rint(out), 0, 255).astype(np.uint8)
    out[out >= 246] = 255  # near-white specks cost JPEG bytes and carry nothing
    return _keep_red_seals(image, out, bg) if image.ndim == 3 else out


def _keep_red_seals(image: np.ndarray, grey: np.ndarray, bg: np.ndarray) -> np.ndarray:
    """Seals (公章) and red signatures stay red on the enhanced page: offices check them by colour."""
    lab = cv2.cvtColor(image, cv2.COLOR_BGR2Lab)
    red = ((lab[:, :, 1] > 150) & (lab[:, :, 1].astype(np.int16) - 128 > np.abs(lab[:, :, 2].astype(np.int16) - 128)))
    if red.mean() < 0.0005:
        return grey
    red = cv2.dilate(red.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    flat = np.clip(image.astype(np.float32) * (255.0 / np.maximum(bg, 1.0))[..., None], 0, 255).astype(np.uint8)
    out = cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR)
    out[red] = flat[red]
    return out


def clean_colour(image: np.ndarray) -> np.ndarray:
    """Keep colour but make the paper (or card) background neutral and bright."""
    img = image.astype(np.float32)
    white = np.percentile(img.reshape(-1, 3), 95, axis=0)
    gain = 245.0 / np.maximum(white, 1.0)
    return np.clip(img * np.clip(gain, 0.7, 2.0), 0, 255).astype(np.uint8)


def orient_id_card(card: np.ndarray) -> tuple[np.ndarray, int]:
    """Turn a resident ID card upright (landscape, text reading left to right); returns (card, degrees turned).

    Layout facts of the second-generation card: the back (国徽面) carries the red national emblem at the
    left; the front (人像面) carries the photo on the right third. A card lying upside down on the plate
    has them on the other side.
    """
    turned = 0
    if card.shape[0] > card.shape[1]:
        card = cv2.rotate(card, cv2.ROTATE_90_CLOCKWISE)
        turned = 90
    if card.ndim != 3:
        return card, turned
    lab = cv2.cvtColor(card, cv2.COLOR_BGR2Lab)
    w = card.shape[1]
    red = (lab[:, :, 1] > 160) & (lab[:, :, 0] > 40)
    if red.mean() > 0.01:
        upside_down = float(np.nonzero(red)[1].mean()) > w / 2
    else:
        dark = lab[:, :, 0] < 90
        left, right = dark[:, : w // 3].mean(), dark[:, 2 * w // 3 :].mean()
        upside_down = left > 1.5 * right + 0.01
    if upside_down:
        card = cv2.rotate(card, cv2.ROTATE_180)
        turned = (turned + 180) % 360
    return card, turned


def encode_jpeg(image: np.ndarray, dpi: int, quality: int = 80) -> bytes:
    """JPEG bytes with the DPI recorded, so the page prints and embeds at its true size."""
    if image.ndim == 2:
        pil = Image.fromarray(image, mode="L")
    else:
        pil = Image.fromarray(cv2.cvtColor(image, cv2.COLOR_BGR2RGB))
    buf = io.BytesIO()
    pil.save(buf, format="JPEG", quality=quality, dpi=(dpi, dpi), optimize=True)
    return buf.getvalue()


def process(image: np.ndarray, quad: np.ndarray | None, kind: str = "auto", mode: str = "enhanced",
            mm_per_px: float | None = None) -> tuple[np.ndarray, PageSpec]:
    """Correct one page: warp the quad (or deskew the whole image when there is none), then enhance."""
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; use one of {', '.join(MODES)}")
    if quad is None:
        page, _ = deskew(image)
        h, w = page.shape[:2]
        mmpp = mm_per_px or 25.4 / DPI["photo"]
        spec = PageSpec("photo", (round(w * mmpp, 1), round(h * mmpp, 1)), round(25.4 / mmpp))
    else:
        spec = page_spec(quad, kind, mm_per_px)
        page = warp(image, quad, spec.size_px)
    if spec.kind == "id_card":
        page, turned = orient_id_card(page)
        if turned in (90, 270):
            spec = PageSpec(spec.kind, (spec.size_mm[1], spec.size_mm[0]), spec.dpi)
    # ID cards and photos keep their colour: the copy must show the card as it is
    if mode == "enhanced" and spec.kind not in ("id_card", "photo"):
        return enhance(page), spec
    return clean_colour(page) if page.ndim == 3 else page, spec


def id_copy_page(front: np.ndarray, back: np.ndarray, *, dpi: int = 300, note: str | None = None) -> np.ndarray:
    """身份证复印件: front above back, each at true size (85.6 × 54 mm), centred on a white A4 page."""
    page_w, page_h = round(A4_MM[0] / 25.4 * dpi), round(A4_MM[1] / 25.4 * dpi)
    card_w, card_h = round(ID_CARD_MM[0] / 25.4 * dpi), round(ID_CARD_MM[1] / 25.4 * dpi)
    page = np.full((page_h, page_w, 3), 255, np.uint8)
    for img, centre_y in ((front, 0.28), (back, 0.58)):
        card = img if img.ndim == 3 else cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
        card, _ = orient_id_card(card)
        card = cv2.resize(card, (card_w, card_h), interpolation=cv2.INTER_AREA)
        x = (page_w - card_w) // 2
        y = round(page_h * centre_y - card_h / 2)
        # the card's rounded corners (3.18 mm, ISO/IEC 7810) show the plate in a rectangular crop: paint it white
        radius = round(3.18 / 25.4 * dpi)
        mask = np.zeros((card_h, card_w), np.uint8)
        cv2.rectangle(mask, (radius, 0), (card_w - 1 - radius, card_h - 1), 255, -1)
        cv2.rectangle(mask, (0, radius), (card_w - 1, card_h - 1 - radius), 255, -1)
        for cx, cy in ((radius, radius), (card_w - 1 - radius, radius), (radius, card_h - 1 - radius),
                       (card_w - 1 - radius, card_h - 1 - radius)):
            cv2.circle(mask, (cx, cy), radius, 255, -1, lineType=cv2.LINE_AA)
        alpha = (mask.astype(np.float32) / 255)[..., None]
        region = page[y : y + card_h, x : x + card_w].astype(np.float32)
        page[y : y + card_h, x : x + card_w] = (card * alpha + region * (1 - alpha)).astype(np.uint8)
    if note:
        pil = Image.fromarray(cv2.cvtColor(page, cv2.COLOR_BGR2RGB))
        draw = ImageDraw.Draw(pil)
        font = cjk_font(round(5 / 25.4 * dpi))
        draw.text((page_w / 2, page_h * 0.78), note, fill=(90, 90, 90), font=font, anchor="mm")
        page = cv2.cvtColor(np.asarray(pil), cv2.COLOR_RGB2BGR)
    return page
