"""Fixtures for the flow tests: a sample item that uses every step kind, a clock, a session driver."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from flows import events as ev
from flows.engine import start, transition
from flows.loader import check_text

T0 = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)

SAMPLE_ITEM = """
code: sample
name: 样例事项
item_type: 公共服务
department: 样例局
consult_phone: 0951-5550000
promised_limit: {amount: 5}
materials:
  - {code: id_card, name: 居民身份证, capture: id_card, pages: 2}
  - {code: lease, name: 租赁合同, pages: 1, deferrable: true}
  - {code: deed, name: 不动产权证书, pages: 1, e_licence: 不动产权证书电子证照}
steps:
  - {id: guide, kind: guide, title: 指南, prompt: 请阅读指南。, idle_timeout_s: 100}
  - {id: consent, kind: consent, title: 告知, prompt: 请确认。, consent_id: pi, version: "2", purpose: 办理}
  - {id: identify, kind: identify, title: 读卡, prompt: 请放身份证。, allow_manual: true, idle_timeout_s: 60}
  - id: contact
    kind: form
    title: 联系方式
    prompt: 请填写。
    fields:
      - {name: name, label: 姓名, prefill: name}
      - {name: birth, label: 出生日期, type: date, prefill: birth_date}
      - {name: phone, label: 联系电话, type: phone}
      - {name: reason, label: 事由, type: choice, choices: [就业, 就读]}
  - id: kind
    kind: choose
    title: 办理方式
    prompt: 请选择。
    options:
      - {value: self, label: 本人办理}
      - {value: skip, label: 跳过材料, goto: review}
  - {id: capture, kind: capture, title: 拍摄, prompt: 请拍摄。, materials: [id_card, lease, deed]}
  - {id: review, kind: review, title: 核对, prompt: 请核对。}
  - {id: submit, kind: submit, title: 提交, prompt: 正在提交。}
  - {id: receipt, kind: print, title: 回执, prompt: 正在打印。, template: receipt}
  - {id: rate, kind: rate, title: 评价, prompt: 请评价。}
  - {id: done, kind: done, title: 完成, prompt: "编号{case_no}，{promised_limit}内办结。", idle_timeout_s: 30}
"""


def at(seconds: float) -> datetime:
    return T0 + timedelta(seconds=seconds)


class Session:
    """Drives one session through the engine, keeping the latest snapshot and effects."""

    def __init__(self, item, *, elder_mode: bool = False) -> None:
        self.item = item
        self.clock = 0.0
        self.snap, self.effects = start(item, session_id="s1", at=T0, elder_mode=elder_mode)

    def send(self, event_cls, after: float = 1.0, **data):
        self.clock += after
        self.snap, self.effects = transition(self.item, self.snap, event_cls(at=at(self.clock), **data))
        return self.effects

    def kinds(self) -> list[str]:
        return [e.type for e in self.effects]

    def to_contact(self, record=None):
        from flows.walk import SAMPLE_CARD

        self.send(ev.NextPressed)
        self.send(ev.ConsentAnswered, accepted=True)
        self.send(ev.CardRead, record=record or SAMPLE_CARD)
        return self

    def to_capture(self):
        self.to_contact()
        self.send(ev.FormSubmitted, values={"phone": "13912345678", "reason": "就业"})
        self.send(ev.OptionChosen, option="self")
        return self

    def to_submit(self):
        self.to_capture()
        self.send(ev.PagesCaptured, material="id_card", refs=["p1", "p2"])
        self.send(ev.NextPressed)  # lease: 容缺
        self.send(ev.NextPressed)  # deed: 电子证照
        self.send(ev.NextPressed)  # review
        return self


def build_sample():
    built, problems = check_text(SAMPLE_ITEM, "sample.yaml")
    assert problems == []
    return built


@pytest.fixture(scope="session")
def item():
    return build_sample()


@pytest.fixture
def session(item):
    return Session(item)


@pytest.fixture
def make_session():
    return Session


@pytest.fixture
def clock():
    """``clock(seconds)``: the session clock, T0 plus seconds."""
    return at
