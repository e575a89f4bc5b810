"""Writing a changed document back as the user wrote it.

The writer (ruamel.yaml, or json for JSON files) is run twice: on the document as read (`before`)
and as edited (`after`). Their line difference is exactly the edit, in the writer's layout; it is
applied to the user's own text, whose lines are matched to `before`'s ignoring whitespace, with the
inserted lines shifted to the indentation of their neighbours in the user's text. Every line the
edit does not touch stays byte for byte. The result is parsed again and must equal `after`; when it
does not (a layout the matching cannot follow), the writer's whole text is used and a note says so.
"""

from __future__ import annotations

import io
import json
import re
from difflib import SequenceMatcher

from kubectl_pods.edit.documents import Document, plain, round_trip_yaml

KEY_LINE = re.compile(r"^(\s*)(- )?[^\s#-][^#]*:\s*(#.*)?$")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def guess_layout(text: str) -> tuple[int, int]:
    """(mapping indent, sequence dash offset) of the first nested mapping and list in `text`."""
    lines = [line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    mapping = offset = None
    for line, following in zip(lines, lines[1:]):
        opened = KEY_LINE.match(line)
        if not opened:
            continue
        column = len(opened.group(1)) + (2 if opened.group(2) else 0)
        if following.lstrip().startswith("- "):
            if offset is None and _indent(following) >= column:
                offset = _indent(following) - column
        elif mapping is None and _indent(following) > column:
            mapping = _indent(following) - column
        if mapping is not None and offset is not None:
            break
    return mapping or 2, offset if offset is not None else 0


def _json_indent(text: str) -> int:
    lines = text.splitlines()
    return _indent(lines[1]) if len(lines) > 1 and _indent(lines[1]) else 2


def write(document: Document, node) -> str:
    """The writer's text for `node` in this document's layout."""
    if document.is_json:
        return json.dumps(node, indent=_json_indent(document.text), ensure_ascii=False) + "\n"
    yaml = round_trip_yaml()
    mapping, offset = guess_layout(document.text)
    yaml.indent(mapping=mapping, sequence=offset + 2, offset=offset)
    stream = io.StringIO()
    yaml.dump(node, stream)
    return stream.getvalue()


def _squeezed(line: str) -> str:
    return "".join(line.split())


def _shift(line: str, delta: int) -> str:
    if delta >= 0 or not line.strip():
        return " " * delta + line if line.strip() else line
    return line[min(-delta, _indent(line)):]


def _newline(line: str, crlf: bool) -> str:
    return line[:-1] + "\r\n" if crlf and line.endswith("\n") and not line.endswith("\r\n") else line


def _delta(before: list[str], at: int, width: int, to_text: dict[int, int], text: list[str]) -> int:
    """How much further right the user's text sits than the writer's, measured on the nearest
    line at the same depth as an inserted line of indentation `width` (a sibling)."""
    for step in (-1, 1):
        index = at - 1 if step < 0 else at
        while 0 <= index < len(before):
            indent = _indent(before[index])
            if before[index].strip() and indent < width:
                break
            if indent == width and index in to_text and before[index].strip():
                return _indent(text[to_text[index]]) - width
            index += step
    return 0


def merge(text: str, before: str, after: str) -> str | None:
    """`text` with the change from `before` to `after` applied, or None when it cannot be placed."""
    missing_newline = not text.endswith("\n")
    lines = (text + "\n" if missing_newline else text).splitlines(keepends=True)
    old, new = before.splitlines(keepends=True), after.splitlines(keepends=True)
    matcher = SequenceMatcher(None, [_squeezed(x) for x in old], [_squeezed(x) for x in lines], autojunk=False)
    # equal lines correspond; so do the lines of a same-sized run the writer spelled differently
    # (`null` written as nothing, `[a,  b]` as `[a, b]`): line for line, in order
    to_text = {i1 + k: j1 + k for tag, i1, i2, j1, j2 in matcher.get_opcodes()
               if tag == "equal" or (tag == "replace" and i2 - i1 == j2 - j1) for k in range(i2 - i1)}
    crlf = bool(lines) and lines[0].endswith("\r\n")  # the writer writes \n: a CRLF file stays CRLF
    hunks = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, old, new, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        if i1 < i2:
            mapped = [to_text[i] for i in range(i1, i2) if i in to_text]
            if len(mapped) != i2 - i1 or mapped != list(range(mapped[0], mapped[0] + len(mapped))):
                return None
            start, end = mapped[0], mapped[-1] + 1
        else:
            previous = to_text.get(i1 - 1) if i1 > 0 else -1
            if previous is None:
                return None
            start = end = previous + 1
        inserted = new[j1:j2]
        first = next((x for x in inserted if x.strip()), None)
        delta = _delta(old, i1, _indent(first), to_text, lines) if first else 0
        hunks.append((start, end, [_newline(_shift(x, delta), crlf) for x in inserted]))
    for start, end, inserted in reversed(hunks):
        lines[start:end] = inserted
    merged = "".join(lines)
    return merged[:-1] if missing_newline and merged.endswith("\n") else merged


def _same(document: Document, merged: str, node) -> bool:
    try:
        reread = json.loads(merged) if document.is_json else round_trip_yaml().load(merged)
    except Exception:  # noqa: BLE001 - any failure to re-read means the merge is not usable
        return False
    return plain(reread) == plain(node)


def _block_style(node) -> None:
    """Flow collections written on many lines cannot be kept line by line: write them as blocks."""
    if isinstance(node, (dict, list)):
        if hasattr(node, "fa") and (len(node) > 0):
            node.fa.set_block_style()
        for child in node.values() if isinstance(node, dict) else node:
            _block_style(child)


def emit(document: Document, before: str) -> None:
    """Set `document.output` from its edited node; `before` is `write()` of the unedited node."""
    after = write(document, document.node)
    merged = merge(document.text, before, after)
    if merged is not None and _same(document, merged, document.node):
        document.output = merged
        return
    if not document.is_json:
        _block_style(document.node)
        after = write(document, document.node)
    document.output = after
    document.notes.append(f"note: {document.where}: its layout could not be kept line by line, so the whole "
                          "document is written anew (comments, key order and quoting kept)")
