"""How a settings model is read, and how a wrong setting is told in one line.

Sources, strongest first: keyword arguments (tests), ``PREFIX_*`` environment variables, then the
TOML file the settings name (pydantic-settings' own TOML source). Names that are not settings are
refused with the closest known name: a typo otherwise leaves the default silently in force
(``KIOSK_HUB_ULR`` meant a kiosk that never reached its hub, with no error anywhere).

The same file is ``local_api/settings_load.py`` and ``hub/settings_load.py``: the hub shares no code
with the kiosk side (import contract), so it keeps a copy, and a test keeps the copies equal.
"""

from __future__ import annotations

import difflib
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, TomlConfigSettingsSource
from pydantic_settings.sources.utils import parse_env_vars


class ConfigError(Exception):
    """A setting is wrong; the message names it and says what would be right, in one line."""


def closest(name: str, known: Iterable[str], prefix: str = "") -> str | None:
    """The known name a typo most likely meant, if any is close enough (the shared prefix not counted)."""
    tails = {k[len(prefix):]: k for k in known if k.startswith(prefix)}
    found = difflib.get_close_matches(name[len(prefix):], sorted(tails), n=1, cutoff=0.7)
    return tails[found[0]] if found else None


def unknown_variable(environ: Mapping[str, str], prefix: str, known: set[str], *,
                     extras: frozenset[str] = frozenset(), extra_prefixes: tuple[str, ...] = ()) -> ConfigError | None:
    """The first ``PREFIX*`` variable that is no setting (nor a known extra), as an error to raise."""
    for name in sorted(environ):
        if not name.startswith(prefix) or name in known or name in extras or name.startswith(extra_prefixes):
            continue
        hint = closest(name, known, prefix)
        if hint:
            return ConfigError(f"{name}: not a setting; did you mean {hint}? (rename or remove it)")
        return ConfigError(f"{name}: not a setting; rename or remove it (settings: {', '.join(sorted(known))})")
    return None


class MappingEnvSource(EnvSettingsSource):
    """Environment variables from a given mapping: the process's own, or a dict in tests.

    ``_load_env_vars`` is where pydantic-settings (pinned in pyproject.toml) reads ``os.environ``.
    """

    def __init__(self, settings_cls: type[BaseSettings], environ: Mapping[str, str]) -> None:
        self._environ = environ
        super().__init__(settings_cls)

    def _load_env_vars(self) -> Mapping[str, str | None]:
        return parse_env_vars(self._environ, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)


class TomlFileSource(TomlConfigSettingsSource):
    """The settings file: flat keys, or keys in one of ``tables`` (``[kiosk]``, ``[devices]``); no others."""

    def __init__(self, settings_cls: type[BaseSettings], path: str, *, variable: str, tables: tuple[str, ...]) -> None:
        self.path, self.variable, self.tables = Path(path), variable, tables
        self.known = set(settings_cls.model_fields)  # the file is read before the base class keeps settings_cls
        if not self.path.is_file():
            # pydantic-settings skips a missing file; a named one that is not there is a mistake
            what = "is not a file" if self.path.exists() else "does not exist"
            raise ConfigError(f"{variable}: {self.path} {what}; point it at a TOML file")
        super().__init__(settings_cls, toml_file=self.path)

    def _read_file(self, file_path: Any) -> dict[str, Any]:
        try:
            data = super()._read_file(file_path)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{self.variable}: {self.path} is not valid TOML ({exc}); fix the file") from None
        except UnicodeDecodeError:
            raise ConfigError(f"{self.variable}: {self.path} is not UTF-8 text; save it as UTF-8") from None
        flat: dict[str, Any] = {}
        for key, value in data.items():
            if isinstance(value, dict):
                if key not in self.tables:
                    tables = ", ".join(f"[{t}]" for t in self.tables)
                    raise ConfigError(f"{self.path}: unknown table [{key}]; use flat keys or {tables}")
                flat.update(value)
            else:
                flat[key] = value
        for key in sorted(set(flat) - self.known):
            hint = closest(key, self.known)
            fix = f"did you mean {hint!r}?" if hint else f"settings: {', '.join(sorted(self.known))}"
            raise ConfigError(f"{self.path}: unknown setting {key!r}; {fix}")
        return flat


def explain(exc: ValidationError, settings_cls: type[BaseSettings], *, prefix: str, environ: Mapping[str, str],
            config: str | None, secret: frozenset[str]) -> ConfigError:
    """The first validation error as one line: the variable, what would be right, what was given."""
    err = exc.errors()[0]
    field = str(err["loc"][0]) if err["loc"] else ""
    name = f"{prefix}{field.upper()}" if field else "settings"
    if field and config and name not in environ:
        name = f"{name} ({field} in {config})"
    info = settings_cls.model_fields.get(field)
    if err["type"] == "value_error":
        why = str(err.get("ctx", {}).get("error", err["msg"]))  # our validators' own words
    elif info is not None:
        why = f"must be {allowed(info)}"
    else:
        why = err["msg"]
    value = err.get("input")
    hidden = field in secret or isinstance(value, dict) or (isinstance(value, str) and "@" in value)
    return ConfigError(f"{name}: {why}" + ("" if hidden else f"; got {value!r}"))


def allowed(info: FieldInfo) -> str:
    """What a field takes, in words a technician can act on: type, range or choices, and the default."""
    kind = _plain_type(info.annotation)
    if get_origin(kind) is Literal:
        return "one of " + ", ".join(str(v) for v in get_args(kind))
    limits = {key: getattr(m, key) for m in info.metadata for key in ("ge", "gt", "le", "lt", "min_length",
                                                                          "max_length", "pattern")
              if getattr(m, key, None) is not None}
    if "pattern" in limits:
        return info.description or f"text matching {limits['pattern']}"
    words = {int: "a whole number", float: "a number", bool: "true or false", Path: "a path"}.get(kind, "text")
    if kind is str and ("min_length" in limits or "max_length" in limits):
        words = f"text of {limits.get('min_length', 0)} to {limits.get('max_length', 'any number of')} characters"
    words += _range(limits)
    default = info.default
    if isinstance(default, int | float) and not isinstance(default, bool):
        words += f" (default {_number(default)})"
    elif isinstance(default, str | Path) and str(default):
        words += f" (default {default})"
    return words


def _range(limits: dict[str, Any]) -> str:
    n = _number
    if "ge" in limits and "le" in limits:
        return f" from {n(limits['ge'])} to {n(limits['le'])}"
    low = f"at least {n(limits['ge'])}" if "ge" in limits else f"above {n(limits['gt'])}" if "gt" in limits else ""
    high = f"at most {n(limits['le'])}" if "le" in limits else f"below {n(limits['lt'])}" if "lt" in limits else ""
    return " " + " and ".join(p for p in (low, high) if p) if (low or high) else ""


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _plain_type(annotation: Any) -> Any:
    """``int | None`` → ``int``: what a value must be when it is given at all."""
    if get_origin(annotation) in (Union, UnionType):
        args = [a for a in get_args(annotation) if a is not NoneType]
        return args[0] if len(args) == 1 else annotation
    return annotation
