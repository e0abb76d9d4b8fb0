"""False accept and false reject rates of the face match on LFW, for the chosen model and a baseline.

    python -m tests.eval.face --images DIR [--identities 400 --per-identity 3 --seed 1 --json out.json]

DIR holds LFW images named ``Name_Surname_0001.jpg`` (flat, or one folder per person). The images are
not in the repository: docs/face.md names the copy used. Every pair is card-like against live-like:
one image is reduced to the card photo's 102 x 126 px and JPEG-compressed (what the WLT decoder gives),
the other is used as it is. Genuine pairs: two different images of one person; impostor pairs: images
of two different people. Candidates: ``dlib`` (ResNet embedding, the product's) and ``lbp`` (uniform
LBP histograms on the same aligned chips: the classical method that needs no trained model).

``--spoofs N`` scores the passive liveness check instead: N of the images as the camera gives them
(genuine) and the same images re-filmed from a screen and from a print (drivers/face/spoofs.py, at a
few pitches): how many of each a single frame's screen score refuses at SCREEN_LIMIT.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import statistics
import time
from collections import defaultdict
from pathlib import Path

import cv2
import numpy as np

from drivers.face.detect import find_faces, the_face, working_image
from drivers.face.embed import chip, embedding
from drivers.face.errors import FaceError
from drivers.face.image import read
from drivers.face.models import load

CARD_SIZE = (102, 126)
NAME = re.compile(r"^(?P<who>.+)_(?P<n>\d{4})\.(jpg|jpeg|png)$", re.IGNORECASE)
FAR_TARGETS = (0.0001, 0.001, 0.01)


def card_like(image: np.ndarray) -> np.ndarray:
    """The image as a card photo: the face with a plain margin around it at 102 x 126 px, JPEG quality 75.

    This copy of LFW is cropped close to the face, so a margin (the edge colour, like the card's plain
    background) brings the face to about 60 % of the photo's width, as on a card.
    """
    h, w = image.shape[:2]
    side = int(w * 0.3)
    top = int((w + 2 * side) * CARD_SIZE[1] / CARD_SIZE[0]) - h
    padded = cv2.copyMakeBorder(image, max(top // 3, 0), max(top - top // 3, 0), side, side, cv2.BORDER_REPLICATE)
    small = cv2.resize(padded, CARD_SIZE, interpolation=cv2.INTER_AREA)
    _ok, buf = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 75])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def lbp_histogram(gray: np.ndarray, grid: int = 7) -> np.ndarray:
    """Uniform LBP(8,1) histograms over a grid of cells, concatenated and square-rooted (Hellinger)."""
    g = gray.astype(np.int16)
    c = g[1:-1, 1:-1]
    offsets = [(-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1)]
    bits = [(g[1 + dy:g.shape[0] - 1 + dy, 1 + dx:g.shape[1] - 1 + dx] >= c).astype(np.uint8) for dy, dx in offsets]
    code = sum(b << i for i, b in enumerate(bits))
    transitions = sum((bits[i] != bits[(i + 1) % 8]).astype(np.uint8) for i in range(8))
    ones = sum(bits)
    label = np.where(transitions <= 2, ones, 9).astype(np.int32)  # 0..8 uniform patterns, 9 the rest
    del code
    h, w = label.shape
    hists = []
    for i in range(grid):
        for j in range(grid):
            cell = label[i * h // grid:(i + 1) * h // grid, j * w // grid:(j + 1) * w // grid]
            hist = np.bincount(cell.ravel(), minlength=10).astype(np.float64)
            hists.append(hist / max(hist.sum(), 1))
    return np.sqrt(np.concatenate(hists))


def features(image: np.ndarray, models) -> tuple[np.ndarray, np.ndarray] | None:
    """(dlib embedding, LBP histogram) of the one face, or None when it is not found."""
    rgb = working_image(image)
    try:
        face = the_face(find_faces(rgb, models))
    except FaceError:
        return None
    aligned = cv2.cvtColor(chip(rgb, face), cv2.COLOR_RGB2GRAY)
    return embedding(rgb, face, models), lbp_histogram(aligned[30:120, 30:120])


def pick(folder: Path, identities: int, per_identity: int, seed: int) -> list[tuple[str, Path]]:
    by_person: dict[str, list[Path]] = defaultdict(list)
    for path in sorted(folder.rglob("*")):
        m = NAME.match(path.name)
        if m:
            by_person[m["who"]].append(path)
    eligible = sorted(p for p, files in by_person.items() if len(files) >= 2)
    rng = random.Random(seed)
    chosen = rng.sample(eligible, min(identities, len(eligible)))
    return [(p, f) for p in chosen for f in rng.sample(by_person[p], min(per_identity, len(by_person[p])))]


def rates(genuine: np.ndarray, impostor: np.ndarray) -> dict[str, object]:
    """Thresholds for each FAR target, FRR there, and the equal error rate; accept when score >= threshold."""
    imp = np.sort(impostor)[::-1]
    out: dict[str, object] = {"genuine_pairs": int(genuine.size), "impostor_pairs": int(impostor.size)}
    roc = []
    for far in FAR_TARGETS:
        k = int(np.floor(far * imp.size))  # at most k impostors may reach the threshold
        threshold = float(np.nextafter(imp[k], np.inf)) if k < imp.size else float(imp[-1])
        threshold = float(np.ceil(threshold * 1e4) / 1e4)  # rounded up, so the printed value keeps the target
        roc.append({"far_target": far, "threshold": threshold,
                    "far": float(np.mean(impostor >= threshold)), "frr": float(np.mean(genuine < threshold))})
    out["roc"] = roc
    grid = np.linspace(min(genuine.min(), imp.min()), max(genuine.max(), imp.max()), 2000)
    far_c = np.array([np.mean(impostor >= t) for t in grid[::10]])
    frr_c = np.array([np.mean(genuine < t) for t in grid[::10]])
    i = int(np.argmin(np.abs(far_c - frr_c)))
    out["eer"] = float((far_c[i] + frr_c[i]) / 2)
    return out


def at_threshold(genuine: np.ndarray, impostor: np.ndarray, threshold: float) -> dict[str, float]:
    return {"threshold": threshold, "far": float(np.mean(impostor >= threshold)),
            "frr": float(np.mean(genuine < threshold))}


def run(folder: Path, identities: int, per_identity: int, seed: int, threshold: float) -> dict[str, object]:
    models = load()
    chosen = pick(folder, identities, per_identity, seed)
    who, card_feats, live_feats, ms = [], [], [], []
    missed = 0
    for person, path in chosen:
        image = read(path)
        t0 = time.perf_counter()
        live = features(image, models)
        ms.append((time.perf_counter() - t0) * 1000)
        card = features(card_like(image), models)
        if live is None or card is None:
            missed += 1
            continue
        who.append(person)
        card_feats.append(card)
        live_feats.append(live)
    labels = np.array(who)
    same = labels[:, None] == labels[None, :]
    off_diagonal = ~np.eye(len(who), dtype=bool)
    report: dict[str, object] = {
        "images": len(chosen), "identities": len(set(p for p, _ in chosen)), "not_detected": missed,
        "ms_per_image_median": round(statistics.median(ms), 1),
    }
    card_d = np.stack([f[0] for f in card_feats])
    live_d = np.stack([f[0] for f in live_feats])
    dist = np.linalg.norm(card_d[:, None, :] - live_d[None, :, :], axis=2)
    card_l = np.stack([f[1] for f in card_feats])
    live_l = np.stack([f[1] for f in live_feats])
    cells = card_l.shape[1] / 10
    hell = np.sqrt(np.maximum(0, 2 * cells - 2 * card_l @ live_l.T) / (2 * cells))  # Hellinger, summed over cells
    for name, scores in (("dlib", 1.0 - dist), ("lbp", 1.0 - hell)):
        genuine = scores[same & off_diagonal]
        impostor = scores[~same]
        report[name] = rates(genuine, impostor)
        if name == "dlib":  # the ROC around the product's threshold
            report[name]["around_threshold"] = [  # type: ignore[index]
                at_threshold(genuine, impostor, round(threshold + d, 3)) for d in (-0.04, -0.02, 0, 0.02, 0.04)]
    return report


def run_spoofs(folder: Path, n: int, seed: int) -> dict[str, object]:
    from drivers.face.liveness import SCREEN_LIMIT, screen_score
    from drivers.face.spoofs import printed, screen_replay

    models = load()
    paths = [p for _, p in pick(folder, n, 1, seed)]
    kinds = {"genuine": lambda f, k: f,
             "screen": lambda f, k: screen_replay(f, pitch=(0.7, 0.8, 1.7)[k % 3], angle=1 + k % 4, seed=k),
             "print": lambda f, k: printed(f, dot_pitch=(0.6, 1.8, 2.5)[k % 3], angle=2 + k % 3, seed=k)}
    scores: dict[str, list[float]] = {k: [] for k in kinds}
    lost: dict[str, int] = dict.fromkeys(kinds, 0)
    for k, path in enumerate(paths):
        face_image = cv2.resize(read(path), (400, 400), interpolation=cv2.INTER_AREA)
        image = cv2.copyMakeBorder(face_image, 40, 40, 120, 120, cv2.BORDER_REPLICATE)  # a 640 x 480 frame
        for kind, make in kinds.items():
            frame = make(image, k)
            rgb = working_image(frame)
            faces = find_faces(rgb, models)
            if not faces:
                lost[kind] += 1
                continue
            scale = frame.shape[1] / rgb.shape[1]  # score at the picture's own pixels
            face = faces[0]
            box = tuple(int(v * scale) for v in face.box)
            native = type(face)(box, face.landmarks * scale, face.score)  # type: ignore[arg-type]
            scores[kind].append(screen_score(cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY), native))
    report: dict[str, object] = {"images": len(paths), "screen_limit": SCREEN_LIMIT}
    for kind, values in scores.items():
        arr = np.array(values)
        report[kind] = {"faces_found": int(arr.size), "no_face": lost[kind],
                        "refused_share": round(float(np.mean(arr > SCREEN_LIMIT)), 4) if arr.size else None,
                        "median": round(float(np.median(arr)), 2) if arr.size else None,
                        "p99": round(float(np.percentile(arr, 99)), 2) if arr.size else None}
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=Path, required=True, help="folder of LFW images")
    parser.add_argument("--identities", type=int, default=400)
    parser.add_argument("--per-identity", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--threshold", type=float, default=None, help="also report FAR, FRR here")
    parser.add_argument("--json", type=Path, default=None, help="also write the report here")
    parser.add_argument("--spoofs", type=int, default=0, help="score the passive check on this many images")
    args = parser.parse_args()
    from drivers.face.compare import DEFAULT_THRESHOLD

    if args.spoofs:
        report = run_spoofs(args.images, args.spoofs, args.seed)
    else:
        report = run(args.images, args.identities, args.per_identity, args.seed, args.threshold or DEFAULT_THRESHOLD)
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n")


if __name__ == "__main__":
    main()
