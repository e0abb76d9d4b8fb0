"""A bounded coverage-guided fuzz run of the reader's decoders (tests/fuzz/fuzz_idcard.py), seeded
with valid replies of every card kind, so it explores from real frames rather than from noise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from drivers.id_card.protocol import Command, build_request
from drivers.id_card.sim import CARD_KINDS, SamSimulator, sample_card

ROOT = Path(__file__).resolve().parents[3]
HARNESS = ROOT / "tests" / "fuzz" / "fuzz_idcard.py"
RUNS = 60_000  # about 10 s here


def seed_corpus(folder: Path) -> int:
    """The simulator's replies to find, select and read for each kind, as single frames and as one stream."""
    n = 0
    for kind in CARD_KINDS:
        sam = SamSimulator(card=sample_card(kind))
        replies = []
        for command in (Command.FIND_CARD, Command.SELECT_CARD, Command.READ_BASE):
            _, reply = sam.respond(build_request(command)[7:-1])
            replies.append(reply)
        for reply in [*replies, b"".join(replies)]:
            n += 1
            (folder / f"seed-{n:03d}").write_bytes(bytes([0x40]) + reply)  # first byte: the first read's size
    return n


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_coverage_guided_fuzzing_finds_no_crash(tmp_path):
    pytest.importorskip("atheris")
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    assert seed_corpus(corpus) >= 16
    done = subprocess.run(
        [sys.executable, str(HARNESS), str(corpus), f"-runs={RUNS}", "-max_len=4096", "-seed=467",
         f"-artifact_prefix={tmp_path}/", "-print_final_stats=1",  # a crashing input is kept there
         # Linux carries the peak RSS over exec, so a child of a big pytest process starts "over" the
         # default 2 GB limit; the decoders' own memory is bounded by -max_len.
         "-rss_limit_mb=0"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, timeout=220)
    report = done.stdout[-3000:] + done.stderr[-3000:]
    assert done.returncode == 0, report  # libFuzzer exits non-zero on a crash, with the input that caused it
    assert f"Done {RUNS} runs" in report
    print([line for line in report.splitlines() if "cov:" in line][-1:])  # how much it covered (-rA)
