"""Hand-made snapshot ``details`` for page tests: the whole shape of ``scores.snapshot``
with blank values (unknown numbers, empty lists), and the parts a test cares about on top.
Pages read ``details`` strictly, so a hand-made snapshot must have every key a computed one
has."""

import types
import typing

from scores.snapshot import SnapshotDetails


def blank(shape):
    """A value of ``shape`` that says "nothing known": None where it may be, else an empty
    object, list, string, 0 or False."""
    if typing.is_typeddict(shape):
        hints = typing.get_type_hints(shape)
        return {key: blank(hints[key]) for key in shape.__required_keys__}
    origin = typing.get_origin(shape)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(shape)
        return None if type(None) in options else blank(options[0])
    if origin is list:
        return []
    if origin is dict or shape is dict:
        return {}
    return {str: "", int: 0, float: 0.0, bool: False}[shape]


def details_with(**parts) -> dict:
    """Blank details with ``parts`` laid over them, dict by dict (lists replace)."""
    return _merge(blank(SnapshotDetails), parts)


def _merge(base: dict, top: dict) -> dict:
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out
