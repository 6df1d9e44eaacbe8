"""Force configuration: the shipped defaults merged with the file named by ENGAGE_CONFIG.

Rules, areas, shared numbers and join tolerances are configuration, not code
(docs/rules.md, docs/formats.md). Each app reads its own section.
"""
from __future__ import annotations

import functools
import tomllib
from pathlib import Path
from typing import Any

from django.conf import settings

DEFAULT_CONFIG = Path(__file__).with_name("default_config.toml")


def _merge(base: dict, override: dict) -> dict:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _merge(base[key], value)
        else:
            merged[key] = value
    return merged


@functools.cache
def load() -> dict[str, Any]:
    config = tomllib.loads(DEFAULT_CONFIG.read_text())
    if settings.ENGAGE_CONFIG:
        config = _merge(config, tomllib.loads(Path(settings.ENGAGE_CONFIG).read_text()))
    return config


def section(name: str) -> dict[str, Any]:
    return load().get(name, {})
