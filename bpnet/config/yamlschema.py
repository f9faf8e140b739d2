"""Input stage: reading a YAML document safely and checking it against a dataclass schema.

``parse_yaml`` is ``yaml.safe_load`` with any explicit tag, duplicate key or deep nesting refused
and errors as one line; ``fields`` converts and checks the keys of a mapping against the fields
of a dataclass (types, choices, ranges, unknown keys with the likely key suggested).
``schema.py`` holds the schema.
"""
from __future__ import annotations

import dataclasses
import difflib
import keyword
import math
import re
import reprlib
import types
import typing
from typing import Any

import yaml

from bpnet.config import matlab
from bpnet.errors import InputError


def check(predicate, message: str) -> dict:
    """Field metadata: the value must satisfy ``predicate``; ``message`` says how."""
    return {"check": (predicate, message)}


def choice(*choices: str) -> dict:
    """Field metadata: the value must be one of ``choices``."""
    return {"choices": choices}


def yaml_key(name: str) -> str:
    """The YAML key of a dataclass field: its name, less the trailing underscore of a name that
    is a Python keyword (trainscg's ``lambda`` is the field ``lambda_``)."""
    return name[:-1] if name.endswith("_") and keyword.iskeyword(name[:-1]) else name


def field_name(key: str) -> str:
    """The dataclass field of a YAML key, the inverse of :func:`yaml_key`: a key that is a
    Python keyword gains a trailing underscore (``lambda`` -> ``lambda_``)."""
    return key + "_" if keyword.iskeyword(key) else key


MAX_DEPTH = 50   # levels of nesting; a config has four


def parse_yaml(text: str, where: str) -> Any:
    """``yaml.safe_load`` of ``text`` (its own steps: the loader's node, then its constructor),
    parsing the text once, with errors as one line: explicit tags (``!!python/...``), duplicate
    keys and nesting deeper than MAX_DEPTH are refused, and aliases are followed once each (a
    "billion laughs" document costs its size, not more). The values YAML 1.1 would silently
    turn into something else are kept as the text written: ``1:12`` (a base-60 number),
    ``2001-12-14`` (a date), ``yes``/``no``/``on``/``off`` (true and false) and ``010`` (an
    octal number). The schema then reads each as the user meant it (a MATLAB range, a number,
    true or false) or says how to write it."""
    try:
        loader = _Loader(text)
    except yaml.YAMLError as exc:   # the reader refuses control characters at once
        raise InputError(f"{where}: {_yaml_message(exc)}") from None
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_nodes(node, loader, where)
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise InputError(f"{where}: {_yaml_message(exc)}") from None
    except ValueError as exc:   # a number of thousands of digits
        raise InputError(f"{where}: a value YAML cannot read ({exc})") from None
    except _TooDeep as exc:
        raise InputError(f"{where}: line {exc.mark.line + 1}, column {exc.mark.column + 1}: "
                         f"the YAML is nested more than {MAX_DEPTH} levels deep; a config has "
                         "a few") from None
    except RecursionError:
        raise InputError(f"{where}: the YAML is nested too deeply (a config has a few levels; "
                         f"at most {MAX_DEPTH} are read)") from None
    finally:
        loader.dispose()


class _TooDeep(Exception):
    """Composing went past MAX_DEPTH levels at ``mark``."""

    def __init__(self, mark) -> None:
        super().__init__()
        self.mark = mark


class _Loader(yaml.SafeLoader):
    """SafeLoader that stops composing past MAX_DEPTH levels, before the scanner reads the
    rest of a deeply nested document (its work grows with the square of the depth)."""

    _depth = 0

    def compose_node(self, parent, index):
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise _TooDeep(self.peek_event().start_mark)
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


_TAG = "tag:yaml.org,2002:"
_PLAIN_TAGS = {_TAG + t for t in ("str", "int", "float", "bool", "null", "seq", "map")}
# plain scalars that YAML 1.1 (PyYAML) reads as something other than YAML 1.2 and users mean
_TRAPS = {_TAG + "int": re.compile(r"^[-+]?(?:[1-9][0-9_]*(?::[0-5]?[0-9])+|0[0-7_]+)$"),
          _TAG + "float": re.compile(r"^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$"),
          _TAG + "bool": re.compile(r"^(?:yes|no|on|off)$", re.IGNORECASE),
          _TAG + "timestamp": re.compile(r"")}


def _check_nodes(node, loader, where: str) -> None:
    """Walk the node graph once, each node once however many aliases lead to it: keep the YAML
    1.1 traps as text (:func:`_keep_as_text`), then refuse any node whose tag is not one of
    YAML's plain types (implicit or written), a mapping that holds a key twice, and nesting
    deeper than MAX_DEPTH."""
    seen: set[int] = set()
    stack = [(node, 1)]
    while stack:
        n, depth = stack.pop()
        if id(n) in seen:
            continue
        seen.add(id(n))
        _keep_as_text(n)
        if n.tag not in _PLAIN_TAGS:
            raise InputError(f"{where}: {_at(n)}: tag {n.tag!r} is not allowed; write plain "
                             "values")
        if depth > MAX_DEPTH:
            raise InputError(f"{where}: {_at(n)}: the YAML is nested more than {MAX_DEPTH} "
                             "levels deep; a config has a few")
        if isinstance(n, yaml.MappingNode):
            _refuse_duplicates(n, loader, where)
            stack.extend((child, depth + 1) for pair in n.value for child in pair)
        elif isinstance(n, yaml.SequenceNode):
            stack.extend((child, depth + 1) for child in n.value)


def _refuse_duplicates(n, loader, where: str) -> None:
    """A key written twice in one mapping (YAML would silently keep the last) is an error
    naming the key and both lines."""
    first: dict = {}
    for key, _ in n.value:
        _keep_as_text(key)   # before the key is constructed (and its value cached): yes is text
        if not isinstance(key, yaml.ScalarNode) or key.tag not in _PLAIN_TAGS:
            continue
        value = loader.construct_object(key)
        try:
            earlier = first.setdefault(value, key)
        except TypeError:
            continue
        if earlier is not key:
            raise InputError(f"{where}: {_at(key)}: key {show(value)} appears twice in one "
                             f"mapping (lines {earlier.start_mark.line + 1} and "
                             f"{key.start_mark.line + 1}); keep one")


def _at(node) -> str:
    mark = node.start_mark
    return f"line {mark.line + 1}, column {mark.column + 1}"


def _keep_as_text(n) -> None:
    """Retag, in place, a plain scalar node that is a YAML 1.1 trap as text."""
    trap = _TRAPS.get(n.tag) if isinstance(n, yaml.ScalarNode) else None
    if trap is not None and n.style is None and trap.match(n.value):
        n.tag = _TAG + "str"


def _yaml_message(exc: yaml.YAMLError) -> str:
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    if problem.endswith("found ','"):   # decimal: , (a comma starts no YAML value)
        problem += "; a value that is a comma must be quoted: decimal: \",\""
    if mark is not None:
        return f"YAML syntax error at line {mark.line + 1}, column {mark.column + 1}: {problem}"
    return f"YAML syntax error: {problem}"


def fields(cls, raw: Any, path: str, where: str, skip: set[str] = frozenset(),
            partial: bool = False) -> dict:
    """Convert and check the keys of ``raw`` against the fields of dataclass ``cls``."""
    raw = mapping(raw, path or "the config", where)
    fields = {yaml_key(f.name): f for f in dataclasses.fields(cls)}
    raw, written = matlab.same_keys(raw, fields, path, where)   # performFcn: perform
    hints = typing.get_type_hints(cls)
    for key in raw:
        if key not in fields:
            full = _join(path, key)
            known = [_join(path, k) for k in fields]
            guess = difflib.get_close_matches(full, known, n=1, cutoff=0.6)
            hint = f"; did you mean {guess[0]}?" if guess else \
                f"; valid keys: {', '.join(sorted(fields))}"
            said = matlab.key_message(key)
            raise InputError(f"{where}: {full}: " + (f"not a bpnet key: {said}" if said
                                                     else f"unknown key{hint}"))
    values = {}
    for name, f in fields.items():
        if name in skip:
            continue
        key = _join(path, written.get(name, name))
        has_default = (f.default is not dataclasses.MISSING
                       or f.default_factory is not dataclasses.MISSING)
        if raw.get(name, 0) is None and has_default:
            continue   # null: "not given", the default applies
        if name not in raw:
            if not partial and not has_default:
                raise InputError(f"{where}: {key} is missing")
            continue
        parse = f.metadata.get("parse")
        value = parse(raw[name], key, where) if parse else convert(hints[f.name], raw[name], key,
                                                                     where)
        choices = f.metadata.get("choices")
        if choices:
            value = matlab.alias(name, value)
        if choices and value not in choices:
            said = matlab.absent(name, value)
            guess = difflib.get_close_matches(str(value), choices, n=1)
            hint = f"; {said}" if said else f" (did you mean {guess[0]}?)" if guess else ""
            raise InputError(f"{where}: {key}: {value!r} is not one of "
                             f"{', '.join(choices)}{hint}")
        check = f.metadata.get("check")
        if check and value is not None and not check[0](value):
            raise InputError(f"{where}: {key}: {check[1]}, got {show(raw[name])}")
        values[f.name] = value
    return values


def convert(hint, value: Any, key: str, where: str) -> Any:
    """``value`` as the schema type ``hint`` (bool, int, float, str, a tuple, an optional or
    a dataclass), or an InputError naming ``key`` and saying what was expected."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if value is None:
            return None
        return convert(args[0], value, key, where)
    if dataclasses.is_dataclass(hint):
        return hint(**fields(hint, value, key, where))
    if origin is tuple:
        item = typing.get_args(hint)[0]
        seq = value if isinstance(value, list) else [value]
        return tuple(convert(item, v, f"{key}[{i}]" if isinstance(value, list) else key, where)
                     for i, v in enumerate(seq))
    if hint is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _WORDS:
            return _WORDS[value.lower()]   # YAML 1.1's yes/no/on/off, read as meant
        raise InputError(f"{where}: {key}: expected true or false, got {show(value)}")
    if hint is int:
        if isinstance(value, str):
            value = _number_text(value, key, where)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise InputError(f"{where}: {key}: expected a whole number, got {show(value)}")
    if hint is float:
        if isinstance(value, str):
            value = _number_text(value, key, where)
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out = float(value)
        else:
            raise InputError(f"{where}: {key}: expected a number, got {show(value)}")
        if math.isnan(out):
            raise InputError(f"{where}: {key}: expected a number, got NaN")
        return out
    if hint is str:
        if isinstance(value, str):
            return value
        raise InputError(f"{where}: {key}: expected text, got {show(value)}")
    raise TypeError(f"unsupported schema type {hint!r}")  # a bug in the schema, not user input


_WORDS = {"yes": True, "on": True, "no": False, "off": False}


def _number_text(text: str, key: str, where: str) -> Any:
    """A number written as text: YAML 1.1 leaves ``1e-5`` (no dot) as text, and bpnet keeps
    ``010`` (YAML 1.1: octal 8) and ``1:30`` (YAML 1.1: base 60) as text. Decimal text is the
    number it says; ``a:b`` gets a message saying how to write a number."""
    body = text.strip().replace("_", "")
    if ":" in body:
        raise InputError(f"{where}: {key}: expected a number, got {show(text)} (a:b is a MATLAB "
                         "range, and YAML 1.1 would read it in base 60); write a plain number")
    try:
        return int(body, 10)
    except ValueError:
        pass
    try:
        return float(body)
    except ValueError:
        return text   # not a number: the caller's message names it


def mapping(value: Any, path: str, where: str) -> dict:
    if not isinstance(value, dict):
        raise InputError(f"{where}: {path}: expected a mapping of keys, got {kind(value)}")
    return value


def _join(path: str, key: Any) -> str:
    return f"{path}.{key}" if path else str(key)


def kind(value: Any) -> str:
    return {list: "a list", str: "text", int: "a number", float: "a number",
            bool: "true/false"}.get(type(value), type(value).__name__)


_SHOW = reprlib.Repr()
_SHOW.maxlevel, _SHOW.maxlist, _SHOW.maxdict, _SHOW.maxstring, _SHOW.maxother = 3, 8, 4, 60, 40


def show(value: Any) -> str:
    """A value as a message shows it: its repr, bounded however large or nested it is."""
    text = _SHOW.repr(value)
    return text if len(text) <= 40 else text[:37] + "..."
