"""Synthetic document-camera frames with exact ground-truth corners (for the sim camera and the evaluation).

Pages are rendered here (forms, letters with red seals, receipts, ID-card-sized cards, blank and
edge-to-edge text), warped onto procedural plates and desks, then degraded: drop shadow, hands,
clutter, glare, uneven light, white-balance shift, blur, noise and JPEG. Every random choice comes
from one seed, so a frame is reproducible from ``(seed, difficulty)``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageDraw

from drivers.camera import geometry
from drivers.camera.fonts import cjk_font

DIFFICULTIES = ("easy", "medium", "hard")
PAGE_MM = {
    "a4": (210.0, 297.0),
    "a5": (148.0, 210.0),
    "id_card": (85.6, 54.0),
    "photo": (152.0, 102.0),
}
HANZI = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面"
    "而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性"
    "好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第"
    "向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管"
    "特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处"
    "申请表办理事项身份证号码住址联系电话签名盖章日期备注审核材料复印件营业执照社保医保公积金户籍婚姻登记"
)
SURNAMES = "张王李赵刘陈杨黄周吴徐孙马朱胡郭何林罗高"
def _words(rng: np.random.Generator, n: int) -> str:
    return "".join(HANZI[i] for i in rng.integers(0, len(HANZI), n))


def _paper_colour(rng: np.random.Generator) -> tuple[int, int, int]:
    tint = rng.choice(["white", "white", "yellowish", "grey"])
    base = int(rng.integers(232, 256))
    if tint == "yellowish":
        return (base, base - int(rng.integers(3, 12)), base - int(rng.integers(12, 30)))
    if tint == "grey":
        g = base - int(rng.integers(10, 30))
        return (g, g, g - 3)
    return (base, base, base)


def _seal(draw: ImageDraw.ImageDraw, rng: np.random.Generator, cx: float, cy: float, r: float) -> None:
    red = (int(rng.integers(190, 235)), int(rng.integers(20, 60)), int(rng.integers(30, 70)))
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], outline=red, width=max(2, int(r * 0.07)))
    radii = [r * 0.3 * (1 if k % 2 == 0 else 0.4) for k in range(10)]
    angles = np.linspace(-math.pi / 2, 1.5 * math.pi, 11)[:-1]
    star = [(cx + rr * math.cos(a), cy + rr * math.sin(a)) for rr, a in zip(radii, angles, strict=True)]
    draw.polygon(star, fill=red)
    font = cjk_font(int(r * 0.28))
    text = _words(rng, 8)
    for k, ch in enumerate(text):
        a = math.pi * (-0.9 + 0.8 * k / max(len(text) - 1, 1))
        draw.text((cx + r * 0.7 * math.cos(a), cy + r * 0.7 * math.sin(a)), ch, fill=red, font=font, anchor="mm")


def render_page(rng: np.random.Generator, kind: str, long_px: int) -> tuple[np.ndarray, tuple[float, float]]:
    """Render a page of ``kind`` (form, letter, receipt, id_card, blank, dense) as RGB; returns (image, size_mm)."""
    if kind == "photo":
        size_mm = (152.0, 102.0)  # a 6-inch print
        ppm = long_px / max(size_mm)
        return _render_photo(rng, round(size_mm[0] * ppm), round(size_mm[1] * ppm)), size_mm
    if kind == "receipt":
        size_mm = (80.0, float(rng.uniform(140, 240)))
    elif kind == "id_card":
        size_mm = PAGE_MM["id_card"]
    elif kind in ("form", "letter", "dense", "blank"):
        size_mm = PAGE_MM["a5"] if rng.random() < 0.25 else PAGE_MM["a4"]
    else:
        raise ValueError(f"unknown page kind {kind!r}")  # form, letter, receipt, id_card, photo, blank, dense
    ppm = long_px / max(size_mm)
    w, h = round(size_mm[0] * ppm), round(size_mm[1] * ppm)
    if kind == "id_card":
        return _render_id_card(rng, w, h, ppm), size_mm
    img = Image.new("RGB", (w, h), _paper_colour(rng))
    draw = ImageDraw.Draw(img)
    ink = tuple(int(v) for v in rng.integers(0, 60, 3))
    margin = (0.0 if kind == "dense" else float(rng.uniform(8, 25))) * ppm
    if kind == "blank":
        if rng.random() < 0.5:
            draw.line([(margin, h * 0.1), (w - margin, h * 0.1)], fill=(200, 200, 200), width=max(1, int(ppm * 0.3)))
        return np.asarray(img), size_mm
    fs = max(int(rng.uniform(3.2, 5.5) * ppm), 6)
    font = cjk_font(fs)
    y = margin
    if kind != "dense":
        title = cjk_font(int(fs * 1.6))
        draw.text((w / 2, y + fs), _words(rng, int(rng.integers(6, 12))), fill=ink, font=title, anchor="mm")
        y += fs * 3
    if kind == "form":
        rows, cols = int(rng.integers(5, 12)), int(rng.integers(2, 5))
        row_h = fs * 2.2
        x0, x1 = margin, w - margin
        for r in range(rows + 1):
            draw.line([(x0, y + r * row_h), (x1, y + r * row_h)], fill=ink, width=max(1, int(ppm * 0.3)))
        for c in range(cols + 1):
            x = x0 + (x1 - x0) * c / cols
            draw.line([(x, y), (x, y + rows * row_h)], fill=ink, width=max(1, int(ppm * 0.3)))
        for r in range(rows):
            for c in range(cols):
                x = x0 + (x1 - x0) * c / cols + fs * 0.4
                draw.text((x, y + r * row_h + row_h * 0.2), _words(rng, int(rng.integers(2, 6))), fill=ink, font=font)
        y += rows * row_h + fs
    chars_per_line = max(int((w - 2 * margin) / fs), 1) + (2 if kind == "dense" else 0)
    line_h = fs * float(rng.uniform(1.4, 2.0))
    x_start = margin - (fs * 0.5 if kind == "dense" else 0)
    while y < h - margin - line_h:
        n = chars_per_line if rng.random() < 0.8 else int(rng.integers(3, chars_per_line + 1))
        draw.text((x_start, y), _words(rng, n), fill=ink, font=font)
        y += line_h
    if kind in ("letter", "form") and rng.random() < 0.7:
        r = 20 * ppm
        _seal(draw, rng, w - margin - r * 1.3, h - margin - r * 1.6, r)
    if kind == "receipt":
        for yy in np.arange(margin * 3, h, line_h * 5):
            draw.line([(margin, yy), (w - margin, yy)], fill=ink, width=1)
    return np.asarray(img), size_mm


def _render_photo(rng: np.random.Generator, w: int, h: int) -> np.ndarray:
    """A colour print: sky, ground and a few soft shapes, with a thin white border."""
    yy = np.linspace(0, 1, h, dtype=np.float32)[:, None, None]
    sky, ground = rng.uniform(60, 230, 3).astype(np.float32), rng.uniform(30, 180, 3).astype(np.float32)
    horizon = float(rng.uniform(0.4, 0.7))
    img = np.where(yy < horizon, sky, ground) * np.ones((1, w, 1), np.float32)
    for _ in range(int(rng.integers(3, 7))):
        centre = (int(rng.uniform(0, w)), int(rng.uniform(0, h)))
        axes = (int(rng.uniform(0.05, 0.2) * w), int(rng.uniform(0.05, 0.2) * h))
        cv2.ellipse(img, centre, axes, float(rng.uniform(0, 180)), 0, 360, rng.uniform(0, 255, 3).tolist(), -1)
    img = cv2.GaussianBlur(img, (0, 0), max(w, h) / 300)
    border = max(2, w // 60)
    img[:border], img[-border:], img[:, :border], img[:, -border:] = 250, 250, 250, 250
    return np.clip(img, 0, 255).astype(np.uint8)


def _render_id_card(rng: np.random.Generator, w: int, h: int, ppm: float) -> np.ndarray:
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.array([rng.uniform(215, 240), rng.uniform(225, 245), rng.uniform(235, 252)], np.float32)
    wave = 6 * np.sin(xx / (w * 0.05) + yy / (h * 0.3))[..., None]
    card = np.clip(base[None, None] + wave, 0, 255).astype(np.uint8)
    img = Image.fromarray(card)
    draw = ImageDraw.Draw(img)
    front = rng.random() < 0.5
    ink = (20, 20, 30)
    fs = int(3.2 * ppm)
    font = cjk_font(fs)
    if front:
        px0, py0 = int(w * 0.64), int(h * 0.15)
        draw.rectangle([px0, py0, int(w * 0.92), int(h * 0.75)], fill=(205, 210, 225))
        draw.ellipse([px0 + w * 0.05, py0 + h * 0.08, int(w * 0.87), int(h * 0.55)], fill=(150, 120, 100))
        draw.ellipse([px0 + w * 0.02, int(h * 0.5), int(w * 0.9), int(h * 0.95)], fill=(60, 60, 80))
        labels = ["姓名  " + SURNAMES[int(rng.integers(len(SURNAMES)))] + _words(rng, 2),
                  "性别  男    民族  汉", "出生  1990年1月1日", "住址  " + _words(rng, 10)]
        for k, text in enumerate(labels):
            draw.text((w * 0.08, h * (0.12 + 0.16 * k)), text, fill=ink, font=font)
        digits = "".join(str(int(d)) for d in rng.integers(0, 10, 18))
        draw.text((w * 0.3, h * 0.85), digits, fill=ink, font=cjk_font(int(3.6 * ppm)))
    else:
        r = h * 0.16
        draw.ellipse([w * 0.08, h * 0.1, w * 0.08 + 2 * r, h * 0.1 + 2 * r], fill=(200, 40, 40))
        draw.text((w * 0.3, h * 0.2), "中华人民共和国", fill=ink, font=cjk_font(int(5 * ppm)))
        draw.text((w * 0.3, h * 0.38), "居民身份证", fill=ink, font=cjk_font(int(6 * ppm)))
        draw.text((w * 0.15, h * 0.72), "签发机关  " + _words(rng, 6), fill=ink, font=font)
        draw.text((w * 0.15, h * 0.85), "有效期限  2020.01.01-2040.01.01", fill=ink, font=font)
    arr = np.asarray(img).copy()
    # rounded corners (ISO/IEC 7810 ID-1: 3.18 mm radius); the ground truth stays the sharp corner
    rad = int(3.18 * ppm)
    mask = np.full((h, w), 255, np.uint8)
    corner = np.zeros((rad, rad), np.uint8)
    cv2.circle(corner, (rad, rad), rad, 255, -1)
    mask[:rad, :rad] = corner
    mask[:rad, w - rad :] = corner[:, ::-1]
    mask[h - rad :, :rad] = corner[::-1]
    mask[h - rad :, w - rad :] = corner[::-1, ::-1]
    return np.dstack([arr, mask])


def render_plate(rng: np.random.Generator, w: int, h: int, style: str) -> tuple[np.ndarray, dict[str, Any]]:
    """A plate or desk background (RGB) of ``style``: dark, grid, wood, white, desk_plate, cloth."""
    info: dict[str, Any] = {"style": style}
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    if style == "dark":
        v = float(rng.uniform(12, 70))
        img = np.full((h, w, 3), v, np.float32) + rng.uniform(-5, 5, 3).astype(np.float32)
    elif style == "grid":
        v = float(rng.uniform(30, 150))
        img = np.full((h, w, 3), v, np.float32)
        line = v + (60 if v < 90 else -50)
        step = int(rng.uniform(0.04, 0.1) * w)
        for x in range(0, w, step):
            img[:, x : x + 2] = line
        for y in range(0, h, step):
            img[y : y + 2, :] = line
        if rng.random() < 0.6:  # printed A4 guide outline
            gw, gh = w * rng.uniform(0.4, 0.7), h * rng.uniform(0.6, 0.9)
            x0, y0 = (w - gw) / 2, (h - gh) / 2
            cv2.rectangle(img, (int(x0), int(y0)), (int(x0 + gw), int(y0 + gh)), (line, line, line), 3)
    elif style == "wood":
        base = np.array([rng.uniform(90, 140), rng.uniform(60, 95), rng.uniform(30, 60)], np.float32)
        freq = rng.uniform(0.01, 0.04)
        grain = 18 * np.sin(yy * freq + 3 * np.sin(xx * 0.004 + yy * 0.002)) + 8 * np.sin(yy * freq * 7.3)
        img = base[None, None] + grain[..., None]
    elif style == "white":
        v = float(rng.uniform(185, 225))
        img = np.full((h, w, 3), v, np.float32) + rng.uniform(-4, 4, 3).astype(np.float32)
    elif style == "cloth":
        base = rng.uniform(40, 160, 3).astype(np.float32)
        noise = cv2.GaussianBlur(rng.normal(0, 25, (h, w)).astype(np.float32), (0, 0), 6)
        img = base[None, None] + noise[..., None]
    elif style == "desk_plate":
        desk, _ = render_plate(rng, w, h, "wood")
        img = desk.astype(np.float32)
        pw, ph = w * rng.uniform(0.85, 1.05), h * rng.uniform(0.85, 1.05)
        cx, cy = w / 2 + rng.uniform(-0.08, 0.08) * w, h / 2 + rng.uniform(-0.08, 0.08) * h
        box = cv2.boxPoints(((cx, cy), (pw, ph), float(rng.uniform(-4, 4))))
        cv2.fillPoly(img, [box.astype(np.int32)], (float(rng.uniform(15, 50)),) * 3)
        info["plate_quad"] = box.tolist()
    else:
        raise ValueError(f"unknown plate style {style!r}")
    return np.clip(img, 0, 255).astype(np.uint8), info


@dataclass
class SynthFrame:
    """One synthetic frame: BGR image, ground-truth quad (None on an empty plate) and what was done."""

    image: np.ndarray
    quad: np.ndarray | None
    difficulty: str
    kind: str
    params: dict[str, Any] = field(default_factory=dict)


def _place(rng, w, h, size_mm, area_frac, max_rot, out_of_frame, inset: float = 0.0) -> np.ndarray:
    aspect = size_mm[0] / size_mm[1]
    area_px = area_frac * w * h
    pw = math.sqrt(area_px * aspect)
    ph = area_px / pw
    ang = math.radians(rng.uniform(-max_rot, max_rot))
    rect = np.array([[-pw / 2, -ph / 2], [pw / 2, -ph / 2], [pw / 2, ph / 2], [-pw / 2, ph / 2]])
    rot = np.array([[math.cos(ang), -math.sin(ang)], [math.sin(ang), math.cos(ang)]])
    pts = rect @ rot.T
    ext = pts.max(axis=0) - pts.min(axis=0)
    room = 0.98 - 2 * inset
    if ext[0] > w * room or ext[1] > h * room:
        pts *= min(w * room / ext[0], h * room / ext[1])
        ext = pts.max(axis=0) - pts.min(axis=0)
    if out_of_frame:
        cx = rng.uniform(w / 2 - ext[0] * 0.1, w / 2 + ext[0] * 0.1) + rng.choice([-1, 1]) * (w - ext[0]) / 2
        cy = rng.uniform(ext[1] / 2, max(h - ext[1] / 2, ext[1] / 2 + 1))
        cx += rng.choice([-1, 1]) * ext[0] * 0.15
    else:
        mx, my = inset * w + 2, inset * h + 2
        cx = rng.uniform(ext[0] / 2 + mx, max(w - ext[0] / 2 - mx, ext[0] / 2 + mx + 1))
        cy = rng.uniform(ext[1] / 2 + my, max(h - ext[1] / 2 - my, ext[1] / 2 + my + 1))
    jitter = rng.uniform(-0.03, 0.03, (4, 2)) * np.array([pw, ph]) * rng.uniform(0, 1)
    return (pts + jitter + [cx, cy]).astype(np.float32)


def _warp_onto(canvas: np.ndarray, page: np.ndarray, quad: np.ndarray, shadow: float, rng) -> None:
    """Composite an RGB(A) page onto the float canvas at ``quad`` with a soft drop shadow."""
    h, w = canvas.shape[:2]
    ph, pw = page.shape[:2]
    src = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]])
    m = cv2.getPerspectiveTransform(src, quad.astype(np.float32))
    alpha_src = page[:, :, 3] if page.shape[2] == 4 else np.full((ph, pw), 255, np.uint8)
    rgb = cv2.warpPerspective(page[:, :, :3], m, (w, h), flags=cv2.INTER_LINEAR)
    alpha = cv2.warpPerspective(alpha_src, m, (w, h), flags=cv2.INTER_LINEAR).astype(np.float32) / 255
    if shadow > 0:
        off = rng.uniform(1, 4, 2) * 2
        sm = cv2.warpAffine(alpha, np.float32([[1, 0, off[0]], [0, 1, off[1]]]), (w, h))
        k = float(rng.uniform(3, 8)) * 2
        sm = cv2.GaussianBlur(sm, (0, 0), k)
        canvas *= (1 - shadow * sm)[..., None]
    canvas[:] = canvas * (1 - alpha[..., None]) + rgb.astype(np.float32) * alpha[..., None]


def draw_hand(canvas: np.ndarray, rng, target: np.ndarray) -> None:
    """A skin-toned hand silhouette from the nearest frame border reaching ``target`` (palm + fingers)."""
    h, w = canvas.shape[:2]
    tx, ty = target
    dists = {"left": tx, "right": w - tx, "top": ty, "bottom": h - ty}
    side = min(dists, key=dists.get)
    origin = {"left": (-0.05 * w, ty), "right": (1.05 * w, ty), "top": (tx, -0.05 * h), "bottom": (tx, 1.05 * h)}[side]
    origin = np.array(origin) + rng.uniform(-0.1, 0.1, 2) * [w, h]
    direction = np.array([tx, ty]) - origin
    length = np.linalg.norm(direction)
    direction /= length + 1e-9
    normal = np.array([-direction[1], direction[0]])
    skin = np.array([rng.uniform(200, 240), rng.uniform(150, 190), rng.uniform(120, 160)], np.float32)
    mask = np.zeros((h, w), np.uint8)
    scale = min(w, h)
    arm_w = scale * rng.uniform(0.1, 0.14)
    palm_c = origin + direction * (length - scale * 0.06)
    cv2.line(mask, tuple(int(v) for v in origin), tuple(int(v) for v in palm_c), 255, int(arm_w))
    cv2.circle(mask, tuple(int(v) for v in palm_c), int(arm_w * 0.75), 255, -1)
    for k in range(4):
        base = palm_c + normal * (k - 1.5) * arm_w * 0.28 + direction * arm_w * 0.4
        tip = base + direction * scale * rng.uniform(0.08, 0.13) + normal * (k - 1.5) * scale * 0.01
        cv2.line(mask, tuple(int(v) for v in base), tuple(int(v) for v in tip), 255, int(arm_w * 0.2))
    alpha = cv2.GaussianBlur(mask.astype(np.float32) / 255, (0, 0), 2.0)
    shade = 1 - 0.25 * cv2.GaussianBlur(alpha, (0, 0), scale * 0.05)
    canvas *= (1 - 0.35 * cv2.GaussianBlur(alpha, (0, 0), 12))[..., None]
    canvas[:] = canvas * (1 - alpha[..., None]) + (skin[None, None] * shade[..., None]) * alpha[..., None]


def _clutter(canvas: np.ndarray, rng, avoid: np.ndarray) -> None:
    """Pens, coins and a phone lying around (drawn before the page, so the page covers them)."""
    h, w = canvas.shape[:2]
    for _ in range(int(rng.integers(1, 4))):
        what = rng.choice(["pen", "coin", "phone"])
        colour = tuple(float(v) for v in rng.uniform(0, 255, 3))
        x, y = float(rng.uniform(0, w)), float(rng.uniform(0, h))
        if what == "pen":
            a = rng.uniform(0, math.pi)
            d = np.array([math.cos(a), math.sin(a)]) * min(w, h) * 0.25
            cv2.line(canvas, (int(x), int(y)), (int(x + d[0]), int(y + d[1])), colour, int(min(w, h) * 0.015))
        elif what == "coin":
            cv2.circle(canvas, (int(x), int(y)), int(min(w, h) * 0.035), (190, 170, 110), -1)
        else:
            box = cv2.boxPoints(((x, y), (min(w, h) * 0.14, min(w, h) * 0.28), float(rng.uniform(0, 180))))
            cv2.fillPoly(canvas, [box.astype(np.int32)], (25, 25, 30))


def _photometric(img: np.ndarray, rng, level: int) -> tuple[np.ndarray, dict[str, Any]]:
    h, w = img.shape[:2]
    p: dict[str, Any] = {}
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    u, v = xx / w - rng.uniform(0.2, 0.8), yy / h - rng.uniform(0.2, 0.8)
    amp = [0.08, 0.2, 0.3][level]
    light = 1 + amp * (rng.uniform(-1, 1) * u + rng.uniform(-1, 1) * v - rng.uniform(0, 1) * (u * u + v * v))
    img = img * light[..., None]
    wb = 1 + rng.uniform(-1, 1, 3) * [0.04, 0.1, 0.15][level]
    img = img * wb[None, None]
    if level >= 1 and rng.random() < 0.5:
        gx, gy = rng.uniform(0.2, 0.8) * w, rng.uniform(0.2, 0.8) * h
        r = rng.uniform(0.03, 0.12) * min(w, h)
        glare = np.exp(-((xx - gx) ** 2 + (yy - gy) ** 2) / (2 * r * r)) * rng.uniform(60, 160)
        img = img + glare[..., None]
        p["glare"] = True
    img = np.clip(img, 0, 255)
    gamma = rng.uniform(0.85, 1.15) if level else 1.0
    img = 255 * (img / 255) ** gamma
    sigma = rng.uniform(0, [0.6, 1.2, 2.0][level])
    if sigma > 0.3:
        img = cv2.GaussianBlur(img, (0, 0), sigma)
    if level == 2 and rng.random() < 0.3:
        k = int(rng.integers(3, 12))
        kernel = np.zeros((k, k), np.float32)
        kernel[k // 2, :] = 1.0 / k
        rot = cv2.getRotationMatrix2D((k / 2 - 0.5, k / 2 - 0.5), float(rng.uniform(0, 180)), 1.0)
        kernel = cv2.warpAffine(kernel, rot, (k, k))
        img = cv2.filter2D(img, -1, kernel / max(kernel.sum(), 1e-6))
        p["motion_blur"] = k
    noise = rng.uniform(1, [3, 6, 10][level])
    img = img + rng.normal(0, noise, img.shape) + np.sqrt(np.clip(img, 0, None)) * rng.normal(0, 0.3, img.shape)
    img = np.clip(img, 0, 255).astype(np.uint8)
    quality = int(rng.integers([80, 65, 50][level], 92))
    _, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, quality])
    p.update(blur=round(float(sigma), 2), noise=round(float(noise), 1), jpeg=quality)
    return cv2.imdecode(buf, cv2.IMREAD_COLOR), p


def synth_frame(
    seed: int,
    difficulty: str | None = None,
    size: tuple[int, int] = (960, 720),
    *,
    kind: str | None = None,
    empty: bool = False,
    supersample: int = 2,
    inset: float = 0.0,
) -> SynthFrame:
    """Generate one frame (BGR) of ``size`` (w, h) with its ground truth, reproducibly from ``seed``."""
    rng = np.random.default_rng(seed)
    difficulty = difficulty or DIFFICULTIES[seed % 3]
    level = DIFFICULTIES.index(difficulty)
    w, h = size
    W, H = supersample * w, supersample * h  # render larger, then downsample for anti-aliased edges
    styles = [["dark", "dark", "grid"], ["dark", "grid", "wood", "cloth"],
              ["dark", "grid", "wood", "white", "desk_plate", "cloth"]][level]
    style = str(rng.choice(styles))
    plate, plate_info = render_plate(rng, W, H, style)
    canvas = plate.astype(np.float32)
    params: dict[str, Any] = {"plate": plate_info}
    if level == 2 and rng.random() < 0.5:
        _clutter(canvas, rng, np.zeros((4, 2)))
        params["clutter"] = True
    if empty:
        if level >= 1 and rng.random() < 0.4:
            draw_hand(canvas, rng, np.array([rng.uniform(0.3, 0.7) * W, rng.uniform(0.3, 0.7) * H]))
        img = cv2.resize(np.clip(canvas, 0, 255).astype(np.uint8), (w, h), interpolation=cv2.INTER_AREA)
        img, photo = _photometric(img, rng, level)
        params.update(photo)
        return SynthFrame(cv2.cvtColor(img, cv2.COLOR_RGB2BGR), None, difficulty, "empty", params)
    kind = kind or str(rng.choice(["form", "letter", "receipt", "id_card", "dense", "blank", "form", "letter"]
                                  if level else ["form", "letter", "receipt", "id_card", "dense"]))
    if kind == "id_card":
        area_frac = rng.uniform(0.05, 0.2) if level else rng.uniform(0.08, 0.2)
        max_rot = 180 if level else 20
    else:
        area_frac = rng.uniform(0.2, 0.95) if level else rng.uniform(0.25, 0.7)
        max_rot = [8, 30, 30][level]
    out_of_frame = level == 2 and rng.random() < 0.1
    quad = _place(rng, W, H, PAGE_MM.get(kind, (210.0, 297.0)) if kind != "receipt" else (80.0, 190.0),
                  area_frac, max_rot, out_of_frame, inset)
    long_px = int(min(max(geometry.side_lengths(quad).max() * 1.1, 200), 1800))
    page, size_mm = render_page(rng, kind, long_px)
    if kind == "receipt":  # re-place with the receipt's real aspect
        quad = _place(rng, W, H, size_mm, area_frac * 0.6, max_rot, out_of_frame, inset)
    if level == 2 and rng.random() < 0.25:  # a second, smaller document
        other_kind = str(rng.choice(["id_card", "receipt"]))
        other, other_mm = render_page(rng, other_kind, 600)
        oq = _place(rng, W, H, other_mm, area_frac * rng.uniform(0.15, 0.45), 180, False)
        _warp_onto(canvas, other, oq, 0.3, rng)
        params["second_document"] = other_kind
    _warp_onto(canvas, page, quad, float(rng.uniform(0.2, 0.5)) if level else 0.25, rng)
    if kind == "id_card" and rng.random() < 0.5:  # glossy card: LED hotspot on the laminate
        c = quad.mean(axis=0) + rng.uniform(-0.3, 0.3, 2) * (quad.max(axis=0) - quad.min(axis=0))
        r = 0.25 * float(np.linalg.norm(quad[0] - quad[2]))
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        spot = np.exp(-((xx - c[0]) ** 2 + (yy - c[1]) ** 2) / (2 * (r / 2) ** 2)) * rng.uniform(40, 110)
        mask = np.zeros((H, W), np.float32)
        cv2.fillPoly(mask, [quad.astype(np.int32)], 1.0)
        canvas += (spot * mask)[..., None]
        params["gloss"] = True
    if level == 2 and rng.random() < 0.45:
        corner = quad[int(rng.integers(4))]
        edge_mid = (quad[int(rng.integers(4))] + quad[int(rng.integers(4))]) / 2
        target = corner if rng.random() < 0.5 else edge_mid
        draw_hand(canvas, rng, target + rng.normal(0, 0.02, 2) * [W, H])
        params["hand"] = True
    img = cv2.resize(np.clip(canvas, 0, 255).astype(np.uint8), (w, h), interpolation=cv2.INTER_AREA)
    img, photo = _photometric(img, rng, level)
    params.update(photo, kind=kind, area=round(float(area_frac), 3), out_of_frame=out_of_frame)
    gt = geometry.order_quad(geometry.scale_quad(quad, 1 / supersample))
    return SynthFrame(cv2.cvtColor(img, cv2.COLOR_RGB2BGR), gt, difficulty, kind, params)
