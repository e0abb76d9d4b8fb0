"""Logs never contain an ID number, a name or a token."""

from __future__ import annotations

import json
import logging

import pytest

from local_api import logs

NAME = "欧阳娜娜"
ID_NUMBER = "11010519491231002X"
ADDRESS = "北京市朝阳区建国路88号3单元"


@pytest.fixture
def log_file(tmp_path):
    logs.configure(tmp_path, "DEBUG", stderr=False)
    yield tmp_path / "kioskd.jsonl"
    logs.redactor.clear()
    for handler in list(logging.getLogger().handlers):
        if getattr(handler, "_kiosk", False):
            logging.getLogger().removeHandler(handler)
            handler.close()


def test_personal_data_is_masked_everywhere_in_a_record(log_file):
    log = logging.getLogger("test.session")
    logs.redactor.register(NAME, ADDRESS)
    log.info("card read for %s", NAME, extra={"id_number": ID_NUMBER, "addr": ADDRESS})
    log.warning(f"form submitted by {NAME} ({ID_NUMBER}) living at {ADDRESS}")
    try:
        raise ValueError(f"bad number {ID_NUMBER} for {NAME}")
    except ValueError:
        log.exception("validation crashed")
    log.info("auth header was Bearer abcdefghijklmnop")

    text = log_file.read_text(encoding="utf-8")
    for secret in (NAME, ID_NUMBER, ADDRESS, "abcdefghijklmnop"):
        assert secret not in text
    records = [json.loads(line) for line in text.splitlines()]
    assert records[0]["msg"] == "card read for [personal]"
    assert records[0]["id_number"] == "1101**************"
    assert "ValueError" in records[2]["exc"]


def test_forgotten_names_are_no_longer_special(log_file):
    logs.redactor.register(NAME)
    logs.redactor.forget(NAME)
    logging.getLogger("t").info("图书馆 %s", "开放")
    assert "图书馆 开放" in log_file.read_text(encoding="utf-8")


def test_numbers_that_are_not_id_numbers_survive(log_file):
    logging.getLogger("t").info("job 12345 printed 3 pages in 812 ms, case 2026112100017")
    assert "job 12345 printed 3 pages in 812 ms, case 2026112100017" in log_file.read_text(encoding="utf-8")
