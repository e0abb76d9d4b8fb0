"""The audio mode for blind and low-vision citizens: what to say for a step, and what a key or gesture does.

Pure: it reads the session snapshot kioskd sends and answers sentences to speak and, when the citizen
chooses, the event to send. A USB numeric keypad and the touchscreen's large zones drive the same
moves: next choice (2, a swipe or a tap on the right half), previous (8, the left half), choose (5 or
Enter, a double tap), hear the step again (0), back (*), call staff (9). Each step is read as its title, prompt,
notice, where the device is for card, camera and printer steps, then its choices one by one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from local_api.schemas import SessionSnapshot

# Moves, whatever their source (keypad key, gesture zone).
NEXT, PREVIOUS, CHOOSE, REPEAT, BACK, HELP = "next", "previous", "choose", "repeat", "back", "help"
KEYPAD = {"2": NEXT, "down": NEXT, "6": NEXT, "8": PREVIOUS, "up": PREVIOUS, "4": PREVIOUS, "5": CHOOSE,
          "enter": CHOOSE, "numpadenter": CHOOSE, "0": REPEAT, "*": BACK, "numpadmul": BACK, "9": HELP}
GESTURES = {"swipe_forward": NEXT, "tap_right": NEXT, "swipe_back": PREVIOUS, "tap_left": PREVIOUS,
            "double_tap": CHOOSE, "two_finger_tap": REPEAT}

HOW_TO = "按2或向右滑动听下一项，按8或向左滑动听上一项，按5或双击选择，按0重听。"
# Where the devices are on this kiosk's body; a hall whose kiosk differs sets its own words.
WHERE = {
    "identify": "读卡区在屏幕正下方的台面上，请把身份证平放在上面，听到提示音即可。",
    "capture": "拍摄区在读卡区右边的平台上，请把材料正面朝上平放，系统会自动拍摄。",
    "print": "出纸口在屏幕右下方，纸会从那里出来。",
}


@dataclass(frozen=True)
class Choice:
    """One thing the citizen can do here: what is said, and the event it sends."""

    label: str
    event: str
    data: dict[str, Any] = field(default_factory=dict)


@dataclass
class AudioGuide:
    """Follows the citizen's focus through the current step's choices."""

    choices: list[Choice] = field(default_factory=list)
    focus: int = 0
    step_key: tuple[str, str, str] | None = None
    heard: list[str] = field(default_factory=list)  # the step's description, for REPEAT
    helper_allowed: bool = False

    def show(self, snapshot: SessionSnapshot) -> list[str]:
        """What to say for this snapshot: the whole step when it is new, nothing when only its data moved on."""
        step = snapshot.step
        key = (snapshot.id, step.id, str(getattr(step.data, "state", "")))
        choices = choices_for(snapshot)
        self.helper_allowed = "call_helper" in step.accepts
        if key == self.step_key and [c.label for c in choices] == [c.label for c in self.choices]:
            return []
        self.step_key, self.choices, self.focus = key, choices, 0
        self.heard = describe(snapshot, choices)
        return list(self.heard)

    def move(self, move: str) -> tuple[list[str], Choice | None]:
        """Apply a move: (sentences to say, the choice to send when the citizen chose one)."""
        if move == REPEAT:
            return list(self.heard), None
        if move == HELP:
            helper = Choice("呼叫工作人员", "call_helper")
            return (["正在呼叫工作人员，请稍候。"], helper) if self.helper_allowed else (["已经呼叫了工作人员。"], None)
        back = next((c for c in self.choices if c.event == "back"), None)
        if move == BACK:
            return ([], back) if back else (["这一步不能返回。"], None)
        if not self.choices:
            return ["这一步不用选择，请稍候或按0重听。"], None
        if move == CHOOSE:
            chosen = self.choices[self.focus]
            return [f"已选择{chosen.label}。"], chosen
        step = 1 if move == NEXT else -1
        self.focus = (self.focus + step) % len(self.choices)
        return [self._say_focus()], None

    def _say_focus(self) -> str:
        return f"第{self.focus + 1}项，共{len(self.choices)}项：{self.choices[self.focus].label}"


def choices_for(snapshot: SessionSnapshot) -> list[Choice]:
    """The step's choices in reading order, from what kioskd says the step accepts now."""
    step = snapshot.step
    accepts = set(step.accepts)
    out: list[Choice] = []
    if "consent" in accepts:
        out += [Choice("同意并继续", "consent", {"accepted": True}), Choice("不同意", "consent", {"accepted": False})]
    if "choose" in accepts:
        out += [Choice(f"{o.label}，{o.note}" if o.note else o.label, "choose", {"option": o.value})
                for o in step.options]
    if "rate" in accepts:
        out += [Choice(o.label, "rate", {"level": int(o.value)}) for o in step.options]
    if "next" in accepts:
        out.append(Choice("下一步" if step.kind != "rate" else "不评价，继续", "next"))
    if "finish" in accepts:
        out.append(Choice("结束办理", "finish"))
    if "back" in accepts:
        out.append(Choice("返回上一步", "back"))
    return out


def describe(snapshot: SessionSnapshot, choices: list[Choice]) -> list[str]:
    """The step read aloud: title, prompt, notice, where the device is, then how many choices and the first."""
    step = snapshot.step
    said = [text for text in (step.title, step.prompt, step.body) if text]
    if snapshot.notice is not None and snapshot.notice.message:
        said.append(snapshot.notice.message)
    if step.kind in WHERE and not (step.kind == "print" and getattr(step.data, "state", "") == "failed"):
        said.append(WHERE[step.kind])
    if snapshot.case_no and step.kind == "done":
        said.append(f"您的号码是{' '.join(snapshot.case_no)}。")
    if step.kind == "form":
        said.append("这一步需要填写，请按9呼叫工作人员帮您填写。")
    if choices:
        said.append(f"共{len(choices)}项可以选择。{HOW_TO}")
        said.append(f"第1项：{choices[0].label}")
    return said
