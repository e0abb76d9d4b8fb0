"""Document camera timings: detection per preview frame (long side 640 px) and per 12 MP capture.

    .venv/bin/python tests/bench/bench_camera.py [--frames 30] [--captures 5]

Prints medians (and p95 for previews) with the textbook Canny + approxPolyDP baseline timed in the
same process. Goal: under 15 ms per preview frame, so detection keeps up with a 30 fps preview.
"""

from __future__ import annotations

import argparse
import itertools
import os
import statistics
import time

import cv2
import numpy as np

from drivers.camera import autocapture, warp
from drivers.camera.detect import baseline_detect, detect
from drivers.camera.synth import synth_frame


def preview_detect(frame: np.ndarray):
    """What DocumentCamera.preview runs: no sub-pixel refinement (that happens on the still)."""
    return detect(frame, refine=False)


def _timed(fn, *args) -> tuple[float, object]:
    t0 = time.perf_counter()
    out = fn(*args)
    return (time.perf_counter() - t0) * 1000, out


def _cpu(fn, *args) -> float:
    """CPU time of this process in ms: steadier than wall time on a shared machine."""
    t0 = time.process_time()
    fn(*args)
    return (time.process_time() - t0) * 1000


def _p95(values: list[float]) -> float:
    return float(np.percentile(values, 95))


def bench_preview(n: int) -> None:
    frames = [synth_frame(500_000 + k, size=(640, 480)).image for k in range(n)]
    for f in frames[:3]:
        detect(f)
    ours = [_timed(preview_detect, f)[0] for f in frames for _ in range(3)]
    refined = [_timed(detect, f)[0] for f in frames for _ in range(3)]
    base = [_timed(baseline_detect, f)[0] for f in frames for _ in range(3)]
    ours_cpu = [_cpu(preview_detect, f) for f in frames for _ in range(3)]
    base_cpu = [_cpu(baseline_detect, f) for f in frames for _ in range(3)]
    thumbs = [autocapture.thumbnail(f) for f in frames]
    still = [_timed(autocapture.motion, a, b)[0] + _timed(autocapture.thumbnail, frames[0])[0]
             for a, b in itertools.pairwise(thumbs)]
    print(f"preview 640x480, {n} synthetic frames (all difficulties) x3, internal work size 320 px:")
    print(f"  detect, as the preview runs it   median {statistics.median(ours):6.2f} ms   p95 {_p95(ours):6.2f} ms"
          f"   (CPU {statistics.median(ours_cpu):.2f} ms)")
    print(f"  detect + sub-pixel refine        median {statistics.median(refined):6.2f} ms   "
          f"p95 {_p95(refined):6.2f} ms")
    print(f"  baseline Canny+approxPolyDP      median {statistics.median(base):6.2f} ms   p95 {_p95(base):6.2f} ms"
          f"   (CPU {statistics.median(base_cpu):.2f} ms)")
    print(f"  ratio ours/baseline: wall {statistics.median(ours) / statistics.median(base):.2f}, "
          f"CPU {statistics.median(ours_cpu) / statistics.median(base_cpu):.2f}")
    print(f"  stillness (thumbnail + diff)     median {statistics.median(still):6.3f} ms")


def bench_capture(n: int) -> None:
    base = synth_frame(600_001, "medium", (1600, 1200), kind="letter", inset=0.05)
    still = cv2.resize(base.image, (4000, 3000), interpolation=cv2.INTER_CUBIC)  # 12 MP
    card = cv2.resize(synth_frame(600_002, "easy", (1600, 1200), kind="id_card", inset=0.05).image, (4000, 3000),
                      interpolation=cv2.INTER_CUBIC)
    rows: dict[str, list[float]] = {k: [] for k in ("detect+refine", "warp", "enhance", "jpeg", "total A4",
                                                     "total ID card (colour)", "baseline detect")}
    size_bytes = 0
    if detect(still).quad is None or detect(card).quad is None:
        raise SystemExit("benchmark frames have no detectable document; pick other seeds")
    for _ in range(n):
        t_det, found = _timed(detect, still)
        spec = warp.page_spec(found.quad, "a4")
        t_warp, page = _timed(warp.warp, still, found.quad, spec.size_px)
        t_enh, flat = _timed(warp.enhance, page)
        t_jpg, data = _timed(warp.encode_jpeg, flat, spec.dpi, 75)
        size_bytes = len(data)
        rows["detect+refine"].append(t_det)
        rows["warp"].append(t_warp)
        rows["enhance"].append(t_enh)
        rows["jpeg"].append(t_jpg)
        rows["total A4"].append(t_det + t_warp + t_enh + t_jpg)

        def card_pipeline():
            q = detect(card).quad
            img, s = warp.process(card, q, "id_card", "color")
            return warp.encode_jpeg(img, s.dpi, 85)

        rows["total ID card (colour)"].append(_timed(card_pipeline)[0])
        rows["baseline detect"].append(_timed(baseline_detect, still)[0])
    print(f"capture 4000x3000 (12 MP), {n} runs; A4 enhanced page 1654x2339 at 200 dpi, JPEG {size_bytes // 1024} KiB:")
    for name, values in rows.items():
        print(f"  {name:<24} median {statistics.median(values):7.1f} ms")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--frames", type=int, default=30)
    parser.add_argument("--captures", type=int, default=5)
    args = parser.parse_args()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.1f}, OpenCV {cv2.__version__}, "
          f"{cv2.getNumThreads()} OpenCV threads")
    bench_preview(args.frames)
    bench_capture(args.captures)


if __name__ == "__main__":
    main()
