"""Pure evaluation of branch conditions against a session; variables are a closed list."""

from __future__ import annotations

from typing import Any

from flows.model import AllOf, AnyOf, Compare, Condition, Not, Snapshot

PLAIN_VARS = ("age", "card_type", "sex", "elder_mode", "assisted")
ANSWER_PREFIX = "answer."
RESULT_PREFIX = "result."  # what the platform answered a submit step with (a refusal code, a priority)


def variables(cond: Condition) -> list[str]:
    """Every variable a condition reads, in order."""
    if isinstance(cond, Compare):
        return [cond.var]
    if isinstance(cond, Not):
        return variables(cond.not_)
    parts = cond.all if isinstance(cond, AllOf) else cond.any
    return [var for part in parts for var in variables(part)]


def lookup(snapshot: Snapshot, var: str) -> Any:
    """The value of a variable for this session (None when unknown)."""
    if var == "age":
        return snapshot.age
    if var == "elder_mode":
        return snapshot.elder_mode
    if var == "assisted":  # a helper has filled in with the citizen in this session (帮办)
        return snapshot.assist is not None
    if var in ("card_type", "sex"):
        return (snapshot.card or {}).get(var)
    if var.startswith(ANSWER_PREFIX):
        return snapshot.form.get(var[len(ANSWER_PREFIX):])
    if var.startswith(RESULT_PREFIX):
        return snapshot.result.get(var[len(RESULT_PREFIX):])
    return None


def holds(cond: Condition, snapshot: Snapshot) -> bool:
    """True when the condition holds; comparisons with an unknown value are false."""
    if isinstance(cond, AllOf):
        return all(holds(part, snapshot) for part in cond.all)
    if isinstance(cond, AnyOf):
        return any(holds(part, snapshot) for part in cond.any)
    if isinstance(cond, Not):
        return not holds(cond.not_, snapshot)
    return _compare(cond, lookup(snapshot, cond.var))


def _compare(cond: Compare, value: Any) -> bool:
    op = cond.op
    if op == "present":
        return (value not in (None, "")) == cond.present
    if value is None:
        return False
    if op in ("eq", "ne"):
        equal = _same(value, cond.eq if op == "eq" else cond.ne)
        return equal if op == "eq" else not equal
    if op in ("in_", "not_in"):
        inside = any(_same(value, v) for v in (cond.in_ if op == "in_" else cond.not_in) or ())
        return inside if op == "in_" else not inside
    try:
        number = float(value)
    except (TypeError, ValueError):
        return False
    limit = getattr(cond, op)
    return {"gt": number > limit, "gte": number >= limit, "lt": number < limit, "lte": number <= limit}[op]


def _same(value: Any, expected: Any) -> bool:
    if isinstance(expected, bool) or isinstance(value, bool):
        return value is expected or str(value).lower() == str(expected).lower()
    return str(value) == str(expected)


def describe(cond: Condition) -> str:
    """A short readable form, for diagrams and error messages."""
    if isinstance(cond, AllOf):
        return " and ".join(f"({describe(c)})" for c in cond.all)
    if isinstance(cond, AnyOf):
        return " or ".join(f"({describe(c)})" for c in cond.any)
    if isinstance(cond, Not):
        return f"not ({describe(cond.not_)})"
    symbol = {"eq": "=", "ne": "≠", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤", "in_": "in",
              "not_in": "not in", "present": "present"}[cond.op]
    value = getattr(cond, cond.op)
    if isinstance(value, tuple):
        value = "[" + ", ".join(str(v) for v in value) + "]"
    elif isinstance(value, float):
        value = f"{value:g}"
    return f"{cond.var} {symbol} {value}"
