"""Shared output and exit-code conventions for every kioskctl command."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer

from drivers.errors import DeviceTimeout, DriverError, InvalidDeviceUri, NotPresent

OK, FAILED, USAGE, NOTHING = 0, 1, 2, 3


def emit(data: Any, *, as_json: bool, human: Callable[[Any], str] | None = None) -> None:
    """Print ``data`` as one JSON line (``--json``) or as human text."""
    if as_json:
        sys.stdout.write(json.dumps(data, ensure_ascii=False, default=str) + "\n")
    else:
        sys.stdout.write((human(data) if human else _plain(data)) + "\n")
    sys.stdout.flush()


def _plain(data: Any) -> str:
    if isinstance(data, dict):
        width = max((len(str(k)) for k in data), default=0)
        return "\n".join(f"{k:<{width}}  {v}" for k, v in data.items())
    return str(data)


def fail(message: str, code: int = FAILED) -> NoReturn:
    """One line on stderr saying what went wrong and what to do, then exit with ``code``."""
    sys.stderr.write(f"kioskctl: {message}\n")
    raise typer.Exit(code)


@contextmanager
def driver_errors() -> Iterator[None]:
    """Map driver errors to the contract's exit codes with a one-line message."""
    try:
        yield
    except InvalidDeviceUri as exc:
        fail(str(exc), USAGE)
    except (NotPresent, DeviceTimeout) as exc:
        fail(str(exc), NOTHING)
    except DriverError as exc:
        fail(str(exc), FAILED)
