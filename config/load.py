"""How every process reads its settings model, and how a wrong setting is told in one line.

Sources, strongest first: keyword arguments (tests), ``PREFIX_*`` environment variables, then the
TOML file the settings name (pydantic-settings' own TOML source). Names that are not settings are
refused with the closest known name: a typo otherwise leaves the default silently in force
(``KIOSK_HUB_ULR`` meant a kiosk that never reached its hub, with no error anywhere).

kioskd (and kioskctl), the UI and the hub each have one model, a :class:`FileSettings`, read by
:func:`load`. The UI reads only its own part of the ``KIOSK_*`` settings and passes over the rest
(``strict=False``): kioskd, which the UI's unit requires, refuses a name that is no setting.
"""

from __future__ import annotations

import difflib
import os
import tomllib
from collections.abc import Iterable, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from types import NoneType, UnionType
from typing import Any, ClassVar, Literal, TypeVar, Union, get_args, get_origin

from pydantic import ValidationError
from pydantic.fields import FieldInfo
from pydantic_settings import BaseSettings, EnvSettingsSource, PydanticBaseSettingsSource, TomlConfigSettingsSource
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

    def __init__(self, settings_cls: type[BaseSettings], path: str, *, variable: str, tables: tuple[str, ...],
                 strict: bool = True) -> None:
        self.path, self.variable, self.tables, self.strict = Path(path), variable, tables, strict
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
        if not self.strict:  # another process's settings share the file
            return {key: value for key, value in flat.items() if key in self.known}
        for key in sorted(set(flat) - self.known):
            hint = closest(key, self.known)
            fix = f"did you mean {hint!r}?" if hint else f"settings: {', '.join(sorted(self.known))}"
            raise ConfigError(f"{self.path}: unknown setting {key!r}; {fix}")
        return flat


@dataclass(frozen=True)
class _Reading:
    environ: Mapping[str, str]
    strict: bool


# What load() was asked for, for settings_customise_sources (a classmethod pydantic-settings calls).
_READING: ContextVar[_Reading | None] = ContextVar("settings_reading", default=None)


class FileSettings(BaseSettings):
    """A settings model read from ``PREFIX_*`` variables and the TOML file named by ``PREFIX_CONFIG``.

    Subclasses declare ``config: str | None``, their ``env_prefix`` and the file's tables besides flat keys
    (``[kiosk]``, ``[devices]``); they are built by :func:`load`.
    """

    config_tables: ClassVar[tuple[str, ...]] = ()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        reading = _READING.get()
        if reading is None:  # built directly (tests): the process environment, strict
            reading = _Reading(os.environ, True)
        else:
            env_settings = MappingEnvSource(settings_cls, reading.environ)
        variable = f"{settings_cls.model_config.get('env_prefix', '')}CONFIG"
        path = init_settings.init_kwargs.get("config") or reading.environ.get(variable)  # type: ignore[attr-defined]
        if not path:
            return (init_settings, env_settings)
        toml = TomlFileSource(settings_cls, path, variable=variable, tables=cls.config_tables, strict=reading.strict)
        return (init_settings, env_settings, toml)


S = TypeVar("S", bound=FileSettings)


def load(settings_cls: type[S], environ: Mapping[str, str] | None = None, *, secret: frozenset[str] = frozenset(),
         strict: bool = True,
         extras: frozenset[str] = frozenset(), extra_prefixes: tuple[str, ...] = (), **overrides: Any) -> S:
    """Read ``settings_cls``; a wrong setting (or, when ``strict``, a ``PREFIX_*`` name that is none) is one
    ConfigError line. ``environ`` defaults to the process environment; ``overrides`` win over everything."""
    prefix = str(settings_cls.model_config.get("env_prefix", ""))
    environ = os.environ if environ is None else environ
    if strict:
        known = {f"{prefix}{name.upper()}" for name in settings_cls.model_fields}
        problem = unknown_variable(environ, prefix, known, extras=extras, extra_prefixes=extra_prefixes)
        if problem is not None:
            raise problem
    bound = _READING.set(_Reading(environ, strict))
    try:
        return settings_cls(**overrides)
    except ValidationError as exc:
        config = overrides.get("config") or environ.get(f"{prefix}CONFIG")
        raise explain(exc, settings_cls, prefix=prefix, environ=environ, config=config, secret=secret) from None
    finally:
        _READING.reset(bound)


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
