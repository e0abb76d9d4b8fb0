"""Bytes and build time per ticket and receipt: our renderer vs python-escpos's default output.

Run: .venv/bin/python tests/bench/bench_printer.py
Prints medians; wire time is bytes × 10 bits / baud (8N1).
"""

from __future__ import annotations

import contextlib
import io
import statistics
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from escpos.printer import Dummy

from drivers.printer.decoder import DecodeError, decode
from drivers.printer.document import Divider, KeyValue, QrCode, Text
from drivers.printer.profiles import DEFAULT_PROFILE
from drivers.printer.render import render
from drivers.printer.sim import VirtualPrinter
from drivers.printer.templates import acceptance_receipt, queue_ticket

RUNS = 30
QR = "https://zwfw.example.gov.cn/q?t=A012&d=20261121"


def ticket(rare_name: bool = False):
    return queue_ticket(number="A012", service="社保业务", waiting=5, issued_at="2026-11-21 09:30",
                        hall="银川市民大厅", qr=QR, name="李一䶮" if rare_name else "张三丰")


def receipt(rare_name: bool = False):
    return acceptance_receipt(
        item="城乡居民基本养老保险参保登记（含个人缴费档次变更及跨统筹区转移接续）",
        case_number="6401002026112100123", applicant="王小䶮" if rare_name else "买买提·艾力",
        id_number="640102199001011234",
        materials=["居民身份证复印件 1 份", "户口簿复印件 1 份", "银行卡（折）复印件 1 份"], promised_date="2026-11-28",
        progress="登录宁夏政务服务网或拨打 12345，输入办件编号查询；也可扫描下方二维码。",
        submitted_at="2026-11-21 09:42", hall="银川市民大厅", qr=QR)


def escpos_default(doc) -> bytes:
    """The same content through python-escpos's own calls, with its defaults (image QR, ESC ! sizes)."""
    p = Dummy()
    p.hw("INIT")
    for block in doc.blocks:
        if isinstance(block, Text):
            p.set(align=block.align.value, bold=block.bold, double_width=block.width > 1,
                  double_height=block.height > 1)
            p.text(block.text + "\n")
            p.set(normal_textsize=True, bold=False, align="left")
        elif isinstance(block, KeyValue):
            p.text(f"{block.key}：{block.value}\n")
        elif isinstance(block, Divider):
            p.text(block.char * 48 + "\n")
        elif isinstance(block, QrCode):
            p.qr(block.data, size=block.module, ec=1)  # default: native=False, sent as an image
    p.cut()
    return p.output


def median_ms(fn) -> float:
    samples = []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - t0) * 1000)
    return statistics.median(samples)


def wire(n: int, baud: int) -> str:
    return f"{n * 10 / baud:7.3f} s"


def main() -> None:
    sink = io.StringIO()
    no_font = replace(DEFAULT_PROFILE, chinese_font=False)
    with tempfile.TemporaryDirectory() as tmp:
        printer = VirtualPrinter(Path(tmp))
        for name, make in (("ticket", ticket), ("receipt", receipt)):
            doc = make()
            ours = render(doc)
            raster = render(doc, no_font)
            rare = render(make(rare_name=True))
            with contextlib.redirect_stdout(sink):  # python-escpos print()s about media width
                theirs = escpos_default(doc)
                t_theirs = median_ms(lambda d=doc: escpos_default(d))
            t_ours = median_ms(lambda d=doc: render(d))
            t_raster = median_ms(lambda d=doc: render(d, no_font))
            rare_doc = make(rare_name=True)
            t_rare = median_ms(lambda d=rare_doc: render(d))
            t_png = median_ms(lambda b=ours: (printer.feed(b)))
            t_decode = median_ms(lambda b=ours: decode(b))
            print(f"\n== {name} (80 mm, {RUNS} runs, medians)")
            print(f"{'variant':<38}{'bytes':>8}{'build':>11}{'9600 Bd':>11}{'115200 Bd':>12}")
            for label, data, ms in (
                ("ours: GB18030 in FS &, native QR", ours, t_ours),
                ("ours, name with 䶮 (one raster line)", rare, t_rare),
                ("ours, printer without Chinese font", raster, t_raster),
                ("python-escpos defaults (image QR)", theirs, t_theirs),
            ):
                print(f"{label:<38}{len(data):>8}{ms:>8.2f} ms{wire(len(data), 9600):>11}{wire(len(data), 115200):>12}")
            print(f"ratio ours/python-escpos: bytes {len(ours) / len(theirs):.3f}, build time {t_ours / t_theirs:.2f}")
            try:
                decode(theirs)
                verdict = "decodes"
            except DecodeError as exc:
                verdict = f"rejected ({str(exc).split('(')[0].strip()})"
            print(f"python-escpos output under the strict decoder: {verdict}")
            print(f"strict decode of ours: {t_decode:.2f} ms; virtual printer decode + PNG per job: {t_png:.1f} ms")


if __name__ == "__main__":
    main()
