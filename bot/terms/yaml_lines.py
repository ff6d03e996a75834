"""Parse one glossary YAML document into dicts and lists that remember their lines.

Why a loader of our own: ``check`` must report ``file:line: message``, so every mapping keeps
its line and the line of each key, and every list the line of each item. Why a construction of
our own: PyYAML's generic construction (one recursive ``construct_object`` call per node, with
its bookkeeping) cost as much as libyaml's whole parse on a 10,000-term glossary. A glossary
document is made of text, mappings and lists, so ``construct_document`` walks the node tree once
for those; other scalars (numbers, booleans, dates, ``<<``) go to PyYAML's own constructors, and
a document with tagged collections or with a collection used twice (anchors and aliases, maybe
recursive) is handed whole to PyYAML's construction — identical results in every case (pinned
by tests/terms/test_loader.py). A date YAML cannot construct (``reviewed: 2026-13-40``) stays
text rather than failing the whole file, so the rules can report it on its own line.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import yaml

STR_TAG = "tag:yaml.org,2002:str"
MAP_TAG = "tag:yaml.org,2002:map"
SEQ_TAG = "tag:yaml.org,2002:seq"
_ScalarNode, _MappingNode, _SequenceNode = yaml.ScalarNode, yaml.MappingNode, yaml.SequenceNode

BaseLoader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_IMPLICIT_FIRST = frozenset(key[0] for key in BaseLoader.yaml_implicit_resolvers if key)
"""First characters for which YAML 1.1 may read a plain scalar as something other than text."""
_FAST_RESOLVE = (
    None not in BaseLoader.yaml_implicit_resolvers and not BaseLoader.yaml_path_resolvers
)


class Mapping(dict[Any, Any]):
    """A YAML mapping that remembers its own line and the line of each key."""

    line: int = 0
    key_lines: dict[Any, int]
    duplicates: list[tuple[Any, int]]


class Sequence(list[Any]):
    """A YAML sequence that remembers the line of each item."""

    item_lines: list[int]


class _Unusual(Exception):
    """The document needs PyYAML's generic construction (tags on collections, aliases)."""


class LineLoader(BaseLoader):  # type: ignore[valid-type,misc]
    """SafeLoader (libyaml-backed when available) that records line numbers of mappings."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._resolved: dict[str, str] = {}

    def resolve(self, kind: type[yaml.Node], value: str, implicit: tuple[bool, bool]) -> str:
        """Skip PyYAML's regex tag resolution for scalars that can only be text.

        libyaml calls this once per node, so it is the loader's hottest Python function; plain
        scalars that might be a number, boolean, null… are resolved once per distinct value.
        """
        if kind is _ScalarNode and _FAST_RESOLVE:
            if not implicit[0] or (value and value[0] not in _IMPLICIT_FIRST):
                return STR_TAG
            tag = self._resolved.get(value)
            if tag is None:
                tag = self._resolved[value] = str(super().resolve(kind, value, implicit))
            return tag
        if _FAST_RESOLVE and kind is _MappingNode:
            return MAP_TAG
        if _FAST_RESOLVE and kind is _SequenceNode:
            return SEQ_TAG
        return str(super().resolve(kind, value, implicit))

    def construct_document(self, node: yaml.Node) -> Any:
        """The document built by one walk over the node tree, else by PyYAML's construction."""
        try:
            data = self._build(node, set())
            unusual = False
        except _Unusual:
            data, unusual = None, True
        self.constructed_objects.clear()  # what scalars delegated to PyYAML left behind
        self.recursive_objects.clear()
        return super().construct_document(node) if unusual else data

    def _build(self, node: yaml.Node, seen: set[int]) -> Any:
        kind = type(node)
        if kind is _ScalarNode:
            if node.tag == STR_TAG:
                return node.value
            return self.construct_object(node, deep=True)
        if id(node) in seen or node.tag != (MAP_TAG if kind is _MappingNode else SEQ_TAG):
            raise _Unusual
        seen.add(id(node))
        if kind is _SequenceNode:
            items = Sequence(
                [
                    child.value
                    if type(child) is _ScalarNode and child.tag == STR_TAG
                    else self._build(child, seen)
                    for child in node.value
                ]
            )
            items.item_lines = [child.start_mark.line + 1 for child in node.value]
            return items
        if kind is not _MappingNode:
            raise _Unusual
        mapping = Mapping()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = key_lines = {}
        mapping.duplicates = []
        for key_node, value_node in node.value:
            if type(key_node) is _ScalarNode and key_node.tag == STR_TAG:
                key = key_node.value
            else:
                key = self._build(key_node, seen)
                if not isinstance(key, str):
                    key = str(key)
            line = key_node.start_mark.line + 1
            if key in mapping:
                mapping.duplicates.append((key, line))
            if type(value_node) is _ScalarNode and value_node.tag == STR_TAG:
                mapping[key] = value_node.value
            else:
                mapping[key] = self._build(value_node, seen)
            key_lines[key] = line
        return mapping

    # PyYAML's generic construction, used for unusual documents: the same shapes as _build.
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Mapping:
        mapping = Mapping()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        mapping.duplicates = []
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            line = key_node.start_mark.line + 1
            if not isinstance(key, str):
                key = str(key)
            if key in mapping:
                mapping.duplicates.append((key, line))
            mapping[key] = self.construct_object(value_node, deep=deep)
            mapping.key_lines[key] = line
        return mapping


def _construct_sequence(loader: LineLoader, node: yaml.SequenceNode) -> Sequence:
    items = Sequence(loader.construct_object(child, deep=True) for child in node.value)
    items.item_lines = [child.start_mark.line + 1 for child in node.value]
    return items


def _construct_timestamp(loader: LineLoader, node: yaml.ScalarNode) -> Any:
    """A date YAML cannot make (``2026-13-40``, ``!!timestamp soon``) stays text, so the rules
    report it on its line (PyYAML raises ValueError, or AttributeError for a tagged non-date)."""
    try:
        return loader.construct_yaml_timestamp(node)
    except (ValueError, AttributeError):
        return str(node.value)


LineLoader.add_constructor(MAP_TAG, lambda loader, node: loader.construct_mapping(node, deep=True))
LineLoader.add_constructor(SEQ_TAG, _construct_sequence)
LineLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


def parse(text: str) -> Any:
    """The one YAML document in ``text``; raises yaml.YAMLError (usually marked) when invalid."""
    return yaml.load(text, Loader=LineLoader)  # a SafeLoader subclass: safe


def kind(value: object) -> str:
    """How a problem message names the type of a parsed value ("got a list")."""
    names = {bool: "true/false", int: "a number", float: "a number", list: "a list", str: "text"}
    for type_, label in {**names, dict: "a mapping", date: "a date"}.items():
        if isinstance(value, type_):
            return label
    return type(value).__name__
