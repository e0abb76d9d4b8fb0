"""The print queue: each job id prints at most once, paper-out waits and resumes, old jobs drop."""

from __future__ import annotations

import json

import pytest

from drivers import registry
from drivers.printer.templates import queue_ticket
from local_api.printing import JobStatus, PrintQueue


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _ticket(number: str = "A012"):
    return queue_ticket(number=number, service="社保业务", waiting=3, issued_at="2026-11-21 09:30",
                        qr=f"https://zwfw.example.gov.cn/q?t={number}")


@pytest.fixture()
def setup(tmp_path):
    printer = registry.create("printer", f"sim://{tmp_path / 'paper'}")
    clock = Clock()
    queue = PrintQueue(printer, tmp_path / "spool", max_age=600, clock=clock)
    return printer, queue, clock, tmp_path


def test_a_job_prints_once_even_when_resubmitted(setup):
    printer, queue, _, _ = setup
    assert queue.submit("s1-ticket", _ticket()).status is JobStatus.DONE
    assert queue.submit("s1-ticket", _ticket()).status is JobStatus.DONE
    assert len(printer.pngs) == 1


def test_resubmitting_after_a_restart_does_not_print_again(setup):
    printer, queue, clock, tmp_path = setup
    queue.submit("s1-ticket", _ticket())
    restarted = PrintQueue(printer, tmp_path / "spool", max_age=600, clock=clock)
    assert restarted.submit("s1-ticket", _ticket()).status is JobStatus.DONE
    assert len(printer.pngs) == 1


def test_a_job_caught_mid_print_by_a_restart_is_not_reprinted(setup):
    printer, queue, clock, tmp_path = setup
    queue.submit("s1-ticket", _ticket())
    spooled = next((tmp_path / "spool").glob("*.json"))
    record = json.loads(spooled.read_text())
    record["state"]["status"] = "printing"  # as if the daemon died while the bytes were leaving
    record["document"] = _ticket().to_dict()
    spooled.write_text(json.dumps(record))
    restarted = PrintQueue(printer, tmp_path / "spool", max_age=600, clock=clock)
    state = restarted.submit("s1-ticket", _ticket())
    assert state.status is JobStatus.FAILED and "not printed again" in state.message
    assert restarted.resume() == []
    assert len(printer.pngs) == 1


def test_no_paper_before_the_job_waits_then_prints_after_resume(setup):
    printer, queue, _, _ = setup
    printer.set_paper("out")
    state = queue.submit("s2-ticket", _ticket())
    assert state.status is JobStatus.WAITING_PAPER and "load a new roll" in state.message
    assert printer.pngs == []
    printer.set_paper("ok")
    assert [s.status for s in queue.resume()] == [JobStatus.DONE]
    assert len(printer.pngs) == 1 and printer.virtual.jobs[0].complete


def test_paper_out_mid_job_waits_and_the_job_prints_whole_after_the_paper_change(setup):
    printer, queue, _, _ = setup
    printer.virtual.paper_left_dots = 250  # the roll ends a third of the way down the ticket
    state = queue.submit("s3-ticket", _ticket())
    assert state.status is JobStatus.WAITING_PAPER
    assert "ran out during printing" in state.message
    assert [j.complete for j in printer.virtual.jobs] == [False]
    assert queue.resume()[0].status is JobStatus.WAITING_PAPER  # still no paper: keeps waiting
    printer.set_paper("ok")
    assert queue.resume()[0].status is JobStatus.DONE
    assert [j.complete for j in printer.virtual.jobs] == [False, True]
    assert queue.get("s3-ticket").attempts == 2


def test_waiting_jobs_survive_a_restart_and_print_in_order(setup):
    printer, queue, clock, tmp_path = setup
    printer.set_paper("out")
    queue.submit("first", _ticket("A001"))
    clock.now += 1
    queue.submit("second", _ticket("A002"))
    printer.set_paper("ok")
    restarted = PrintQueue(printer, tmp_path / "spool", max_age=600, clock=clock)
    assert [s.job_id for s in restarted.resume()] == ["first", "second"]
    texts = [j.text for j in printer.virtual.jobs]
    assert "A001" in texts[0] and "A002" in texts[1]


def test_cover_open_waits_for_the_printer(setup):
    printer, queue, _, _ = setup
    printer.set_cover_open(True)
    state = queue.submit("s4", _ticket())
    assert state.status is JobStatus.WAITING_PRINTER and "cover" in state.message
    printer.set_cover_open(False)
    assert queue.resume()[0].status is JobStatus.DONE


def test_a_waiting_job_can_be_cancelled_with_a_clear_message(setup):
    printer, queue, _, _ = setup
    printer.set_paper("out")
    queue.submit("s5", _ticket())
    state = queue.cancel("s5")
    assert state.status is JobStatus.CANCELLED and "nothing came out" in state.message
    printer.set_paper("ok")
    assert queue.resume() == []
    assert queue.submit("s5", _ticket()).status is JobStatus.CANCELLED
    assert printer.pngs == []
    with pytest.raises(KeyError):
        queue.cancel("never-submitted")


def test_jobs_older_than_the_limit_are_dropped(setup):
    printer, queue, clock, _ = setup
    printer.set_paper("out")
    queue.submit("old", _ticket())
    clock.now += 601
    printer.set_paper("ok")
    assert [s.status for s in queue.resume()] == [JobStatus.EXPIRED]
    assert printer.pngs == []
    assert "still not printed after 600 s" in queue.get("old").message


def test_finished_jobs_leave_no_document_in_the_spool(setup):
    _, queue, _, tmp_path = setup
    queue.submit("s6", _ticket())
    record = json.loads(next((tmp_path / "spool").glob("*.json")).read_text())
    assert record["document"] is None


def test_a_bad_document_is_refused_and_not_stored(setup):
    from drivers.printer.document import Document, QrCode

    _, queue, _, _tmp_path = setup
    with pytest.raises(ValueError, match="QR"):
        queue.submit("bad", Document([QrCode("x" * 3000, ec="H")]))
    assert queue.get("bad") is None


def test_job_ids_must_be_sane(setup):
    _, queue, _, _ = setup
    with pytest.raises(ValueError, match="job id"):
        queue.submit("", _ticket())


def test_a_printer_that_goes_silent_before_the_job_leaves_it_waiting_not_failed(setup):
    printer, queue, _, _ = setup
    printer.virtual.silent = True
    state = queue.submit("s7", _ticket())
    assert state.status is JobStatus.WAITING_PRINTER and "does not answer" in state.message
    printer.virtual.silent = False
    assert queue.resume()[0].status is JobStatus.DONE
    assert len(printer.pngs) == 1


def test_concurrent_submits_of_one_id_print_once(setup):
    import threading

    printer, queue, _, _ = setup
    threads = [threading.Thread(target=queue.submit, args=("same", _ticket())) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(printer.pngs) == 1
