"""``kioskctl a4 status|print`` against ippeveprinter: the contract's JSON and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

KIOSKCTL = str(Path(sys.executable).parent / "kioskctl")


def _run(*args: str):
    from kioskctl.main import app

    result = CliRunner().invoke(app, list(args))
    result.returncode = result.exit_code
    return result


def test_status_and_print_through_the_cli(ippeve, certificate_pdf, tmp_path):
    server = ippeve()
    done = subprocess.run([KIOSKCTL, "a4", "status", "--device", server.uri, "--json"], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"state": "idle", "reasons": [], "media": "ok"}

    pdf = tmp_path / "cert.pdf"
    pdf.write_bytes(certificate_pdf)
    printed = _run("a4", "print", str(pdf), "--device", server.uri, "--attempt", "cli-1", "--json")
    assert printed.returncode == 0, printed.stderr
    result = json.loads(printed.stdout)
    assert result["state"] == "completed" and isinstance(result["job_id"], int)
    again = _run("a4", "print", str(pdf), "--device", server.uri, "--attempt", "cli-1", "--json")
    assert json.loads(again.stdout)["duplicate_avoided"] is True and json.loads(again.stdout)["job_id"] == \
        result["job_id"]
    assert len(server.printed()) == 1

    server.set_mode("empty")
    aborted = _run("a4", "print", str(pdf), "--device", server.uri, "--json")
    assert aborted.returncode == 1 and json.loads(aborted.stdout)["state"] == "aborted"
    status = _run("a4", "status", "--device", server.uri, "--json")
    assert json.loads(status.stdout)["media"] == "empty" and "media-empty" in json.loads(status.stdout)["reasons"]


def test_nothing_answering_is_exit_3_with_the_unknown_shape(tmp_path):
    from tests.ipp_printers import free_port

    uri = f"ipp://127.0.0.1:{free_port()}/ipp/print?timeout=2"
    nobody = _run("a4", "status", "--device", uri, "--json")
    assert nobody.returncode == 3
    assert json.loads(nobody.stdout) == {"state": "unknown", "reasons": [], "media": "unknown"}
    assert len(nobody.stderr.strip().splitlines()) == 1 and "cannot reach" in nobody.stderr

    pdf = tmp_path / "x.pdf"
    pdf.write_bytes(b"%PDF-1.7\n")
    refused = _run("a4", "print", str(pdf), "--device", uri, "--json")
    assert refused.returncode == 3 and json.loads(refused.stdout)["state"] == "refused"


def test_bad_input_is_a_usage_error_saying_what_to_do(tmp_path):
    text = tmp_path / "note.txt"
    text.write_text("hello")
    not_pdf = _run("a4", "print", str(text), "--device", "sim:", "--json")
    assert not_pdf.returncode == 2 and "not a PDF" in not_pdf.stderr and not_pdf.stdout == ""
    missing = _run("a4", "print", str(tmp_path / "none.pdf"), "--device", "sim:")
    assert missing.returncode == 2 and "not a file" in missing.stderr
    bad_uri = _run("a4", "status", "--device", "lpt://1", "--json")
    assert bad_uri.returncode == 2 and "ipp:, ipps:" in bad_uri.stderr
