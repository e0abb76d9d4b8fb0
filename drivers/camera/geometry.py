"""Quadrilaterals: canonical corner order, areas, IoU, document-plane Jaccard index, corner error."""

from __future__ import annotations

import itertools

import cv2
import numpy as np

Quad = np.ndarray  # float32 (4, 2): TL, TR, BR, BL, clockwise in image coordinates (y down)
NEXT = np.array([1, 2, 3, 0])


def _next_index(n: int) -> np.ndarray:
    return NEXT if n == 4 else np.r_[1:n, 0]


def order_quad(points: np.ndarray) -> Quad:
    """Order four points clockwise starting at the top-left (y grows downwards)."""
    pts = np.asarray(points, dtype=np.float64).reshape(4, 2)
    centre = pts.mean(axis=0)
    angles = np.arctan2(pts[:, 1] - centre[1], pts[:, 0] - centre[0])
    pts = pts[np.argsort(angles)]  # clockwise on screen, because y points down
    start = int(np.argmin(pts.sum(axis=1)))
    return pts[(np.arange(4) + start) % 4].astype(np.float32)


def area(quad: np.ndarray) -> float:
    """Unsigned polygon area (shoelace)."""
    q = np.asarray(quad, dtype=np.float64).reshape(-1, 2)
    x, y = q[:, 0], q[:, 1]
    nxt = _next_index(len(q))
    return float(abs(np.dot(x, y[nxt]) - np.dot(y, x[nxt])) / 2.0)


def is_convex(quad: np.ndarray) -> bool:
    """True when the quad is a simple convex polygon (no bow-tie, no reflex corner)."""
    q = np.asarray(quad, dtype=np.float64).reshape(4, 2)
    edges = q[NEXT] - q
    cross = edges[:, 0] * edges[NEXT, 1] - edges[:, 1] * edges[NEXT, 0]
    return bool(np.all(cross > 0) or np.all(cross < 0))


def diagonal(quad: np.ndarray) -> float:
    """Mean length of the two diagonals."""
    q = np.asarray(quad, dtype=np.float64).reshape(4, 2)
    return float((np.linalg.norm(q[0] - q[2]) + np.linalg.norm(q[1] - q[3])) / 2.0)


def side_lengths(quad: np.ndarray) -> np.ndarray:
    """Lengths of the sides top, right, bottom, left."""
    q = np.asarray(quad, dtype=np.float64).reshape(4, 2)
    return np.linalg.norm(q[NEXT] - q, axis=1)


def _raster_iou(a: np.ndarray, b: np.ndarray, size: int = 1024) -> float:
    both = np.vstack([a, b])
    lo, hi = both.min(axis=0), both.max(axis=0)
    scale = (size - 4) / max(float((hi - lo).max()), 1e-9)
    masks = []
    for poly in (a, b):
        mask = np.zeros((size, size), np.uint8)
        pts = np.round((poly - lo) * scale * 16 + 32).astype(np.int32)
        cv2.fillPoly(mask, [pts], 1, lineType=cv2.LINE_8, shift=4)
        masks.append(mask.astype(bool))
    union = np.logical_or(*masks).sum()
    return float(np.logical_and(*masks).sum() / union) if union else 0.0


def polygon_iou(a: np.ndarray, b: np.ndarray) -> float:
    """IoU of two quads; exact for convex ones, rasterised otherwise, 0 for a bow-tie."""
    a = np.asarray(a, dtype=np.float64).reshape(4, 2)
    b = np.asarray(b, dtype=np.float64).reshape(4, 2)
    if _self_intersects(a) or _self_intersects(b):
        return 0.0
    if is_convex(a) and is_convex(b):
        inter = convex_intersection_area(a, b)
        union = area(a) + area(b) - inter
        return float(min(inter, min(area(a), area(b))) / union) if union > 0 else 0.0
    return _raster_iou(a, b)


def convex_intersection_area(a: np.ndarray, b: np.ndarray) -> float:
    """Area of the intersection of two convex polygons (Sutherland–Hodgman clipping, in float64).

    cv2.intersectConvexConvex returns wrong areas for nearly coincident polygons, which is exactly
    the case of a good detection.
    """
    poly = [tuple(p) for p in _ccw(np.asarray(a, np.float64))]
    clip = _ccw(np.asarray(b, np.float64))
    for i in range(len(clip)):
        if not poly:
            return 0.0
        c1, c2 = clip[i], clip[(i + 1) % len(clip)]
        ex, ey = c2[0] - c1[0], c2[1] - c1[1]

        def side(p, c1=c1, ex=ex, ey=ey):
            return ex * (p[1] - c1[1]) - ey * (p[0] - c1[0])

        out = []
        for j in range(len(poly)):
            p, q = poly[j], poly[(j + 1) % len(poly)]
            sp, sq = side(p), side(q)
            if sp >= 0:
                out.append(p)
            if (sp >= 0) != (sq >= 0):
                t = sp / (sp - sq)
                out.append((p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])))
        poly = out
    return area(np.array(poly)) if len(poly) >= 3 else 0.0


def _ccw(q: np.ndarray) -> np.ndarray:
    x, y = q[:, 0], q[:, 1]
    nxt = _next_index(len(q))
    signed = np.dot(x, y[nxt]) - np.dot(y, x[nxt])
    return q if signed > 0 else q[::-1].copy()


def _segments_cross(p1, p2, p3, p4) -> bool:
    def orient(a, b, c):
        return np.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0]))

    return orient(p1, p2, p3) * orient(p1, p2, p4) < 0 and orient(p3, p4, p1) * orient(p3, p4, p2) < 0


def _self_intersects(q: np.ndarray) -> bool:
    return _segments_cross(q[0], q[1], q[2], q[3]) or _segments_cross(q[1], q[2], q[3], q[0])


def document_jaccard(gt: np.ndarray, pred: np.ndarray | None) -> float:
    """SmartDoc 2015 Jaccard index measured in the document's own plane (0 for no prediction)."""
    if pred is None:
        return 0.0
    gt = np.asarray(gt, dtype=np.float32).reshape(4, 2)
    unit = np.float32([[0, 0], [1, 0], [1, 1], [0, 1]])
    h = cv2.getPerspectiveTransform(gt, unit)
    homog = np.hstack([np.asarray(pred, np.float64).reshape(4, 2), np.ones((4, 1))]) @ h.T
    if np.any(homog[:, 2] <= 0):
        return 0.0
    mapped = homog[:, :2] / homog[:, 2:]
    return polygon_iou(unit, mapped)


def corner_error(gt: np.ndarray, pred: np.ndarray) -> tuple[float, float]:
    """Mean and max corner distance as % of the GT diagonal, matched over cyclic shifts and both windings."""
    gt = np.asarray(gt, dtype=np.float64).reshape(4, 2)
    pred = np.asarray(pred, dtype=np.float64).reshape(4, 2)
    best: np.ndarray | None = None
    for seq, shift in itertools.product((pred, pred[::-1]), range(4)):
        d = np.linalg.norm(np.roll(seq, shift, axis=0) - gt, axis=1)
        if best is None or d.sum() < best.sum():
            best = d
    assert best is not None
    diag = diagonal(gt)
    return float(best.mean() / diag * 100), float(best.max() / diag * 100)


def line_through(p: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Homogeneous line through two points."""
    return np.cross([p[0], p[1], 1.0], [q[0], q[1], 1.0])


def intersect(l1: np.ndarray, l2: np.ndarray) -> np.ndarray | None:
    """Intersection point of two homogeneous lines, None when (nearly) parallel."""
    x = np.cross(l1, l2)
    if abs(x[2]) < 1e-9:
        return None
    return x[:2] / x[2]


def scale_quad(quad: np.ndarray, factor: float) -> Quad:
    """Scale a quad's pixel coordinates (pixel centres stay pixel centres)."""
    return ((np.asarray(quad, np.float64) + 0.5) * factor - 0.5).astype(np.float32)
