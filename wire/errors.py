"""The one error a payload that does not fit the contract raises, with a message free of personal data."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

M = TypeVar("M", bound=BaseModel)


class PayloadInvalid(ValueError):
    """A payload does not fit the hub's contract; ``problems`` name each field and what is wrong with it."""

    def __init__(self, what: str, problems: list[str]) -> None:
        super().__init__(f"the {what} does not fit the hub's contract: {'; '.join(problems)}")
        self.what = what
        self.problems = problems


def parse(model: type[M], data: Any, what: str) -> M:
    """``data`` as ``model``, or ``PayloadInvalid`` naming the fields (never their values: they may be personal)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise PayloadInvalid(what, [_problem(e) for e in exc.errors(include_input=False, include_url=False)]) from None


def _problem(error: Any) -> str:
    where = ".".join(str(part) for part in error["loc"]) or "(the whole body)"
    return f"{where}: {error['msg']}"
