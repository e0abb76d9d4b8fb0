"""Find the page or card on the plate: a quadrilateral (TL, TR, BR, BL) or none.

Pipeline, on a 320 px copy: colour-aware Canny edges and bright (Otsu) regions → contours → quads
from four lines of each convex hull, and from four straight runs of contours that merged with a card
or a hand → scored by edge support along the perimeter → kept only if every side is a step between
two regions (not a printed line, not a plate darker than the desk) and the inside is not a hand →
the largest wins, the others are reported. On request, each side is then fitted to the strongest
edge in a strip at the input resolution (sub-pixel; used on the full-resolution still).
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass, field

import cv2
import numpy as np

from drivers.camera import geometry
from drivers.camera.geometry import Quad

WORK_LONG_SIDE = 320
MIN_AREA_FRACTION = 0.02  # an ID card on an A3 plate covers about 4 %
MIN_SUPPORT = 0.55  # share of the perimeter that must lie on edges
MIN_CONTRAST = 9.0  # Lab distance between the bands just inside and just outside a side
NEXT, PREV = [1, 2, 3, 0], [3, 0, 1, 2]
_UNIT = np.float32([[0, 0], [1, 0], [1, 1], [0, 1]])
_GRID = np.stack(np.meshgrid(np.linspace(0.1, 0.9, 9), np.linspace(0.1, 0.9, 9)), -1)
_GRID = _GRID.reshape(-1, 1, 2).astype(np.float32)  # interior sample points of the unit square


@dataclass(frozen=True)
class Detection:
    """A detected document (or none) in the coordinates of the image passed in."""

    quad: Quad | None
    others: list[Quad] = field(default_factory=list)
    support: float = 0.0
    hand: bool = False
    size: tuple[int, int] = (0, 0)  # (width, height) of the image

    @property
    def found(self) -> bool:
        return self.quad is not None


@dataclass
class _Candidate:
    quad: np.ndarray
    support: float
    area: float


def detect(image: np.ndarray, *, refine: bool = True, work_long_side: int = WORK_LONG_SIDE) -> Detection:
    """Detect the largest document in a BGR (or grey) frame; others are reported in ``others``."""
    if image is None or image.ndim not in (2, 3) or min(image.shape[:2]) < 16:
        raise ValueError("expected a BGR or grey image of at least 16×16 pixels")
    bgr = image if image.ndim == 3 else cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
    h, w = bgr.shape[:2]
    scale = min(1.0, work_long_side / max(h, w))
    small = cv2.resize(bgr, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    blur = cv2.GaussianBlur(small, (5, 5), 0)
    lab = cv2.cvtColor(blur, cv2.COLOR_BGR2Lab)
    edges = _edges(lab)
    skin = _hand_mask(blur)
    candidates = _candidates(edges, lab, skin)
    hand = _hand_present(skin)
    if not candidates:
        return Detection(None, [], 0.0, hand, (w, h))
    best = max(candidates, key=lambda c: c.area)
    others = [
        c.quad for c in candidates
        if c is not best and _overlap(c.quad, best.quad) < 0.2
    ]
    others = _dedupe(others)
    factor = 1.0 / scale
    quad = geometry.scale_quad(best.quad, factor)
    if refine and factor > 1.0:
        gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
        quad = refine_quad(gray, quad, band=max(4.0, 2.5 * factor + 2.0))
        if factor > 3.0:  # second, narrow pass at full resolution
            quad = refine_quad(gray, quad, band=4.0)
    return Detection(
        geometry.order_quad(quad),
        [geometry.order_quad(geometry.scale_quad(q, factor)) for q in others],
        best.support,
        hand,
        (w, h),
    )


def _edges(lab: np.ndarray) -> np.ndarray:
    light = cv2.Canny(lab[:, :, 0], 20, 50, L2gradient=True)
    chroma = cv2.max(cv2.absdiff(lab[:, :, 1], 128), cv2.absdiff(lab[:, :, 2], 128))
    colour = cv2.Canny(cv2.multiply(chroma, 3), 25, 60, L2gradient=True)
    return cv2.bitwise_or(light, colour)


def _candidates(edges: np.ndarray, lab: np.ndarray, skin: np.ndarray) -> list[_Candidate]:
    h, w = edges.shape
    frame_area = float(h * w)
    closed = cv2.dilate(edges, np.ones((3, 3), np.uint8))
    tolerant = cv2.dilate(closed, np.ones((3, 3), np.uint8))
    edge_contours = cv2.findContours(closed, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)[0]
    biggest = _largest_hulls(edge_contours, frame_area, 8, with_contours=True)
    hulls = [hull for hull, _ in biggest] + _largest_hulls(_region_contours(lab), frame_area, 4)
    merged = [_quads_from_segments(contour, tolerant) for _, contour in biggest[:3]]
    proposals = [_quads_from_hull(hull, w, h) for hull in hulls] + merged
    found: list[_Candidate] = []
    for quads in proposals:
        if not quads:
            continue
        arr = np.array(quads)
        support = _support_many(tolerant, arr)
        areas = _areas(arr)
        for i in np.argsort(-support):
            if support[i] < MIN_SUPPORT:
                break
            if areas[i] < MIN_AREA_FRACTION * frame_area:
                continue
            if _plausible(arr[i], w, h, skin) and _paper_contrast(lab, arr[i]):
                found.append(_Candidate(arr[i], float(support[i]), float(areas[i])))
                break
    found = _nms(found)
    if not found:
        return []
    top = max(c.support for c in found)
    return [c for c in found if c.support >= top - 0.15]


def _largest_hulls(contours, frame_area: float, limit: int, with_contours: bool = False) -> list:
    big = []
    for c in contours:
        _, _, cw, ch = cv2.boundingRect(c)
        if cw * ch >= MIN_AREA_FRACTION * frame_area:
            hull = cv2.convexHull(c)
            hull_area = cv2.contourArea(hull)
            if hull_area >= MIN_AREA_FRACTION * frame_area:
                big.append((hull_area, hull, c))
    big.sort(key=lambda item: -item[0])
    if with_contours:
        return [(hull, c) for _, hull, c in big[:limit]]
    return [hull for _, hull, _ in big[:limit]]


def _region_contours(lab: np.ndarray) -> list[np.ndarray]:
    """Outlines of regions brighter than the plate (paper on a dark or textured plate)."""
    light = lab[:, :, 0]
    _, mask = cv2.threshold(light, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((5, 5), np.uint8))
    return list(cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0])


@functools.lru_cache(maxsize=16)
def _combos(n: int) -> np.ndarray:
    return np.array(list(itertools.combinations(range(n), 4)), dtype=np.intp)


def _quads_from_hull(hull: np.ndarray, w: int, h: int) -> list[np.ndarray]:
    """Quads from four of the hull's dominant lines, longest supporting hull edges first."""
    peri = cv2.arcLength(hull, True)
    eps = 0.012
    poly = cv2.approxPolyDP(hull, eps * peri, True).reshape(-1, 2).astype(np.float64)
    while len(poly) > 8:
        eps *= 1.4
        poly = cv2.approxPolyDP(hull, eps * peri, True).reshape(-1, 2).astype(np.float64)
    n = len(poly)
    if n < 4:
        return []
    nxt = np.vstack([poly[1:], poly[:1]])
    ones = np.ones((n, 1))
    lines = _cross3(np.hstack([poly, ones]), np.hstack([nxt, ones]))
    lengths = np.linalg.norm(nxt - poly, axis=1)
    combos = _combos(n)
    used = lengths[combos].sum(axis=1)
    combos, used = combos[used >= 0.5 * peri], used[used >= 0.5 * peri]
    if len(combos) == 0:
        return []
    quads, valid = _intersect_cycles(lines, combos, w, h)
    order = np.argsort(-used[valid])[:6]
    return list(quads[valid][order])


def _quads_from_segments(contour: np.ndarray, edge_map: np.ndarray, limit: int = 10) -> list[np.ndarray]:
    """Quads from four of a contour's longest straight runs (the hull loses a page's sides when its
    outline merged with a card, a hand or clutter)."""
    h, w = edge_map.shape
    poly = cv2.approxPolyDP(contour, 2.0, True).reshape(-1, 2).astype(np.float64)
    if len(poly) < 4:
        return []
    nxt = np.vstack([poly[1:], poly[:1]])
    lengths = np.linalg.norm(nxt - poly, axis=1)
    order = np.argsort(-lengths)[:limit]
    order = order[lengths[order] >= 0.06 * max(h, w)]
    if len(order) < 4:
        return []
    a, b = poly[order], nxt[order]
    ones = np.ones((len(order), 1))
    lines = _cross3(np.hstack([a, ones]), np.hstack([b, ones]))
    mids = (a + b) / 2
    combos = _combos(len(order))
    centre = mids[combos].mean(axis=1, keepdims=True)
    ang = np.arctan2(mids[combos][:, :, 1] - centre[:, :, 1], mids[combos][:, :, 0] - centre[:, :, 0])
    combos = np.take_along_axis(combos, np.argsort(ang, axis=1), axis=1)
    quads, valid = _intersect_cycles(lines, combos, w, h)
    quads = quads[valid]
    if len(quads) == 0:
        return []
    support = _support_many(edge_map, quads)
    areas = _areas(quads)
    good = support >= 0.8
    if not good.any():
        return []
    pick = np.argsort(-(areas * good))[:2]
    return [quads[i] for i in pick if good[i]]


def _cross3(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Row-wise cross product of homogeneous 3-vectors (np.cross is slow on small arrays)."""
    return np.stack([a[..., 1] * b[..., 2] - a[..., 2] * b[..., 1],
                     a[..., 2] * b[..., 0] - a[..., 0] * b[..., 2],
                     a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]], axis=-1)


def _intersect_cycles(lines: np.ndarray, combos: np.ndarray, w: int, h: int) -> tuple[np.ndarray, np.ndarray]:
    """Quads whose corner k is where line k-1 meets line k, and which of them are plausible convex shapes."""
    x = _cross3(lines[combos[:, PREV]], lines[combos])
    valid = np.all(np.abs(x[:, :, 2]) > 1e-9, axis=1)
    quads = x[:, :, :2] / np.where(np.abs(x[:, :, 2:]) > 1e-9, x[:, :, 2:], 1.0)
    edges = quads[:, NEXT] - quads
    turn = edges[:, :, 0] * edges[:, NEXT, 1] - edges[:, :, 1] * edges[:, NEXT, 0]
    valid &= np.all(turn > 0, axis=1) | np.all(turn < 0, axis=1)
    margin = 0.15 * max(w, h)
    valid &= (quads[:, :, 0].min(axis=1) >= -margin) & (quads[:, :, 1].min(axis=1) >= -margin)
    valid &= (quads[:, :, 0].max(axis=1) <= w + margin) & (quads[:, :, 1].max(axis=1) <= h + margin)
    prev = edges[:, PREV]
    cos = -(prev * edges).sum(axis=2) / (np.linalg.norm(prev, axis=2) * np.linalg.norm(edges, axis=2) + 1e-9)
    valid &= np.all(np.abs(cos) < np.cos(np.radians(35)), axis=1)
    return quads, valid


def _areas(quads: np.ndarray) -> np.ndarray:
    x, y = quads[:, :, 0], quads[:, :, 1]
    return np.abs((x * y[:, NEXT] - y * x[:, NEXT]).sum(axis=1)) / 2


def _support_many(edge_map: np.ndarray, quads: np.ndarray, per_side: int = 48) -> np.ndarray:
    """Edge support of many quads at once (fixed samples per side)."""
    h, w = edge_map.shape
    t = np.linspace(0.04, 0.96, per_side)[None, None, :, None]
    p = quads[:, :, None, :]
    q = quads[:, NEXT][:, :, None, :]
    pts = (p + t * (q - p)).reshape(len(quads), -1, 2)
    xi = np.round(pts[:, :, 0]).astype(int)
    yi = np.round(pts[:, :, 1]).astype(int)
    inside = (xi >= 1) & (xi < w - 1) & (yi >= 1) & (yi < h - 1)
    hits = np.where(inside, edge_map[np.clip(yi, 0, h - 1), np.clip(xi, 0, w - 1)] > 0, False)
    return (hits.sum(axis=1) + 0.5 * (~inside).sum(axis=1)) / pts.shape[1]


def _paper_contrast(lab: np.ndarray, quad: np.ndarray, per_side: int = 24) -> bool:
    """A paper edge is a step between two regions; a printed line or a plate's outline is not."""
    h, w = lab.shape[:2]
    quad = np.asarray(quad, np.float64)
    nxt = quad[[1, 2, 3, 0]]
    vec = nxt - quad
    d = vec / (np.linalg.norm(vec, axis=1, keepdims=True) + 1e-9)
    normal = np.stack([d[:, 1], -d[:, 0]], axis=1)
    outward = (quad + nxt) / 2 - quad.mean(axis=0)
    normal *= np.where((normal * outward).sum(axis=1) < 0, -1.0, 1.0)[:, None]
    t = np.linspace(0.08, 0.92, per_side)[None, :, None]
    pts = quad[:, None, :] + t * vec[:, None, :]  # (4, per_side, 2)
    offsets = np.array([-6.0, -4.0, 4.0, 6.0])[:, None, None, None]
    p = pts[None] + offsets * normal[None, :, None, :]  # (offset, side, sample, xy)
    xi, yi = np.rint(p[..., 0]).astype(np.intp), np.rint(p[..., 1]).astype(np.intp)
    ok = np.all((xi >= 0) & (xi < w) & (yi >= 0) & (yi < h), axis=0)
    if ok.sum() < 8:
        return False
    looked = lab[np.minimum(np.maximum(yi, 0), h - 1), np.minimum(np.maximum(xi, 0), w - 1)].astype(np.float32)
    samples = dict(zip((-6.0, -4.0, 4.0, 6.0), looked, strict=True))
    # a thin printed line between the bands fools one offset, not both
    dist = np.minimum(np.linalg.norm(samples[-4.0] - samples[4.0], axis=2),
                      np.linalg.norm(samples[-6.0] - samples[6.0], axis=2))
    counts = ok.sum(axis=1)
    visible = counts >= 3
    # median ≥ threshold ⇔ at least half the samples of the side reach it
    strong = int(np.sum(visible & (((dist >= MIN_CONTRAST) & ok).sum(axis=1) * 2 >= counts)))
    weak = visible & (((dist >= 0.6 * MIN_CONTRAST) & ok).sum(axis=1) * 2 < counts)
    inner = float(samples[-6.0][..., 0][ok].mean())
    outer = float(samples[6.0][..., 0][ok].mean())
    # a dark region framed by something lighter is the plate on a desk (or a phone), not paper
    darker = float(inner - outer) < -25
    # every side must be some step (a side on a printed guide line is none), most a clear one
    return strong >= min(3, int(visible.sum())) and not weak.any() and not darker


def _plausible(quad: np.ndarray, w: int, h: int, skin: np.ndarray) -> bool:
    """Reject shapes no document has: slivers (a stripe of wood grain) and hands."""
    sides = geometry.side_lengths(quad)
    ratio = (sides[0] + sides[2]) / max(sides[1] + sides[3], 1e-6)
    if not 1 / 4.0 < ratio < 4.0:  # a till receipt is 1:3
        return False
    m = cv2.getPerspectiveTransform(_UNIT, quad.astype(np.float32))
    pts = cv2.perspectiveTransform(_GRID, m).reshape(-1, 2)
    xi = np.clip(np.round(pts[:, 0]).astype(int), 0, w - 1)
    yi = np.clip(np.round(pts[:, 1]).astype(int), 0, h - 1)
    return float((skin[yi, xi] > 0).mean()) < 0.3


def _overlap(a: np.ndarray, b: np.ndarray) -> float:
    """Share of ``a`` covered by ``b``."""
    inter = geometry.convex_intersection_area(geometry.order_quad(a), geometry.order_quad(b))
    return float(inter / max(geometry.area(a), 1e-9))


def _nms(found: list[_Candidate]) -> list[_Candidate]:
    """One candidate per object; of two near-duplicates the outer one (the paper, not its text block) wins."""
    kept: list[_Candidate] = []
    for c in sorted(found, key=lambda c: -c.support):
        twins = [i for i, k in enumerate(kept) if _boxes_overlap(c.quad, k.quad)
                 and geometry.polygon_iou(c.quad, k.quad) >= 0.6]
        if not twins:
            kept.append(c)
            continue
        i = twins[0]
        if c.area > kept[i].area * 1.02 and c.support >= kept[i].support - 0.1:
            kept[i] = c
    return kept


def _boxes_overlap(a: np.ndarray, b: np.ndarray) -> bool:
    return bool(np.all(a.min(axis=0) < b.max(axis=0)) and np.all(b.min(axis=0) < a.max(axis=0)))


def _dedupe(quads: list[np.ndarray]) -> list[np.ndarray]:
    kept: list[np.ndarray] = []
    for q in sorted(quads, key=lambda q: -geometry.area(q)):
        if all(_overlap(q, k) < 0.5 for k in kept):
            kept.append(q)
    return kept


def _hand_mask(small: np.ndarray) -> np.ndarray:
    """Skin-coloured regions reaching the frame border: hands come from outside the plate.

    Colour alone cannot tell a hand from peach or pink paper under warm light; reaching the border can.
    """
    ycc = cv2.cvtColor(small, cv2.COLOR_BGR2YCrCb)
    mask = cv2.inRange(ycc, (40, 136, 77), (245, 180, 124))
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    _, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    h, w = mask.shape
    x, y, bw, bh, count = (stats[:, i] for i in range(5))
    hands = (x == 0) | (y == 0) | (x + bw >= w) | (y + bh >= h)
    hands &= (count >= 0.01 * h * w) & (count <= 0.3 * h * w)  # larger is a desk, not a hand
    hands[0] = False
    return (hands[labels] * 255).astype(np.uint8)


def _hand_present(mask: np.ndarray) -> bool:
    return bool(mask.any())


def refine_quad(gray: np.ndarray, quad: np.ndarray, band: float) -> Quad:
    """Fit each side to the strongest edge in a strip ±``band`` px around it; keeps corners that would jump."""
    quad = geometry.order_quad(quad).astype(np.float64)
    h, w = gray.shape
    lines = []
    for i in range(4):
        line = _fit_side(gray, quad[i], quad[(i + 1) % 4], quad.mean(axis=0), band, w, h)
        if line is None:
            line = geometry.line_through(quad[i], quad[(i + 1) % 4])
        lines.append(line)
    corners = []
    for i in range(4):
        p = geometry.intersect(lines[i - 1], lines[i])
        if p is None or np.linalg.norm(p - quad[i]) > 2.5 * band:
            p = quad[i]
        corners.append(p)
    return np.array(corners, np.float32)


def _fit_side(gray, p, q, centre, band, w, h):
    length = float(np.linalg.norm(q - p))
    if length < 8:
        return None
    d = (q - p) / length
    normal = np.array([d[1], -d[0]])
    if np.dot(normal, (p + q) / 2 - centre) < 0:
        normal = -normal
    n = int(min(max(length / 3, 16), 600))
    s = np.linspace(0.08, 0.92, n) * length
    b = int(np.ceil(band))
    j = np.arange(-b, b + 1, dtype=np.float64)
    xs = p[0] + d[0] * s[None, :] + normal[0] * j[:, None]
    ys = p[1] + d[1] * s[None, :] + normal[1] * j[:, None]
    strip = cv2.remap(gray, xs.astype(np.float32), ys.astype(np.float32), cv2.INTER_LINEAR,
                      borderMode=cv2.BORDER_REPLICATE).astype(np.float32)
    strip = cv2.GaussianBlur(strip, (1, 5), 0) if strip.shape[0] >= 5 else strip
    grad = np.abs(np.diff(strip, axis=0))
    idx = np.argmax(grad, axis=0)
    peak = grad[idx, np.arange(n)]
    # sub-pixel peak by a parabola through the neighbours
    lo = grad[np.clip(idx - 1, 0, grad.shape[0] - 1), np.arange(n)]
    hi = grad[np.clip(idx + 1, 0, grad.shape[0] - 1), np.arange(n)]
    denom = lo - 2 * peak + hi
    off = np.where(np.abs(denom) > 1e-6, 0.5 * (lo - hi) / np.where(denom == 0, 1, denom), 0.0)
    pos = j[0] + idx + 0.5 + np.clip(off, -0.5, 0.5)
    inside = (xs[b] >= 0) & (xs[b] < w) & (ys[b] >= 0) & (ys[b] < h)
    keep = inside & (peak > max(4.0, 0.35 * float(np.percentile(peak, 90))))
    if keep.sum() < 8:
        return None
    px = p[0] + d[0] * s + normal[0] * pos
    py = p[1] + d[1] * s + normal[1] * pos
    pts = np.stack([px[keep], py[keep]], axis=1).astype(np.float32)
    vx, vy, x0, y0 = cv2.fitLine(pts, cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
    dist = np.abs((pts[:, 0] - x0) * vy - (pts[:, 1] - y0) * vx)
    good = dist < max(1.0, 0.15 * band)
    if good.sum() >= 8:  # refit on the inliers: text, hands and shadows pull the first fit
        vx, vy, x0, y0 = cv2.fitLine(pts[good], cv2.DIST_HUBER, 0, 0.01, 0.01).ravel()
    return geometry.line_through(np.array([x0, y0]), np.array([x0 + vx, y0 + vy]))


def baseline_detect(image: np.ndarray, work_long_side: int = 640) -> Quad | None:
    """The textbook detector (grey → blur → Canny → contours → approxPolyDP → first 4-gon), for comparison."""
    h, w = image.shape[:2]
    scale = min(1.0, work_long_side / max(h, w))
    small = cv2.resize(image, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA)
    gray = cv2.cvtColor(small, cv2.COLOR_BGR2GRAY) if small.ndim == 3 else small
    edged = cv2.Canny(cv2.GaussianBlur(gray, (5, 5), 0), 75, 200)
    contours, _ = cv2.findContours(edged, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
    for c in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
        approx = cv2.approxPolyDP(c, 0.02 * cv2.arcLength(c, True), True)
        if len(approx) == 4:
            return geometry.order_quad(geometry.scale_quad(approx.reshape(4, 2), 1 / scale))
    return None
