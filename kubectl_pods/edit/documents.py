"""A manifest file as its documents, each with its own text, so that a document nobody changes is
written back byte for byte, separators and all.

YAML is read with ruamel.yaml's round-trip loader (comments, key order, quoting and flow style are
kept on the nodes); JSON with the json module (insertion-ordered dicts). `---` and `...` at the start
of a line always end a document (YAML 1.2 §9.1: no block or quoted scalar can hold them there).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from kubectl_pods.errors import UserError

MARKER = re.compile(r"^(?:---|\.\.\.)(?=[ \t\r\n]|$)[^\n]*(?:\n|$)", re.MULTILINE)


@dataclass
class Document:
    """One document of a file: `prefix` is the separator line(s) before it, kept as written."""

    source: str
    index: int
    prefix: str
    text: str
    is_json: bool = False
    node: object = None          # the round-trip tree (CommentedMap or dict); None when empty
    changed: bool = False
    output: str | None = None    # the text to write, once emitted
    notes: list[str] = field(default_factory=list)

    @property
    def where(self) -> str:
        return f"{self.source} (document {self.index + 1})"

    def rendered(self) -> str:
        return self.prefix + (self.output if self.output is not None else self.text)


def round_trip_yaml():
    """The round-trip loader/dumper: keeps quotes, never wraps lines (a wrap is a change)."""
    from ruamel.yaml import YAML

    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 1 << 16
    return yaml


def split_documents(source: str, text: str) -> list[Document]:
    """The documents of a file, in order; JSON (what `kubectl get -o json` prints) is one."""
    if text.lstrip().startswith(("{", "[")) and _is_json(text):
        return [Document(source, 0, "", text, is_json=True)]
    documents: list[Document] = []
    prefix, start = "", 0
    for match in MARKER.finditer(text):
        body = text[start:match.start()]
        if body or prefix:
            documents.append(Document(source, len(documents), prefix, body))
            prefix = ""
        prefix += match.group(0)
        start = match.end()
    documents.append(Document(source, len(documents), prefix, text[start:]))
    return [d for d in documents if d.text or d.prefix]


def _is_json(text: str) -> bool:
    try:
        json.loads(text)
    except ValueError:
        return False
    return True


def parse(document: Document) -> None:
    """Fill `document.node`: a mapping, or None for a document of only comments."""
    if document.is_json:
        document.node = json.loads(document.text)
    elif document.text.strip():
        from ruamel.yaml.error import YAMLError

        try:
            document.node = round_trip_yaml().load(document.text)
        except YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            at = f" (line {mark.line + 1})" if mark else ""
            raise UserError(f"{document.where}: invalid YAML{at}: {getattr(exc, 'problem', None) or exc}") from None
    if document.node is not None and not isinstance(document.node, dict):
        raise UserError(f"{document.where}: expected a Kubernetes object, got {type(document.node).__name__}")


def plain(node):
    """The JSON form of a round-trip node: dicts, lists, str, int, float, bool, None."""
    if isinstance(node, dict):
        return {str(k): plain(v) for k, v in node.items()}
    if isinstance(node, list):
        return [plain(v) for v in node]
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return str(node)
