"""What `scaffold -f` and `migrate` share: read every document of every file, ask a planner for the
edits of each object, apply them to the round-trip tree, write each changed document back as the
user wrote it, and print (or, with --in-place, rewrite the files). Any refusal of the planner
(a conflict) stops everything before a single file is written."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from dataclasses import dataclass

from kubectl_pods.commands.common import check_output, note, refuse_together
from kubectl_pods.edit.documents import Document, parse, plain, split_documents
from kubectl_pods.edit.edits import Edit, Plan, apply
from kubectl_pods.edit.emit import emit, write
from kubectl_pods.edit.files import STDIN, InputFile, read_inputs, write_in_place
from kubectl_pods.edit.workloads import objects_with_paths, template_path
from kubectl_pods.errors import UserError

Planner = Callable[[dict], Plan]


@dataclass
class Result:
    files: list[tuple[InputFile, list[Document]]]
    said: list[str]
    workloads: int
    changed: int

    def objects(self) -> list[dict]:
        return [obj for _, documents in self.files for d in documents if d.node is not None
                for _, obj in objects_with_paths(plain(d.node))]


def _prefixed(edit: Edit, prefix: tuple) -> Edit:
    from dataclasses import replace

    return replace(edit, path=prefix + tuple(edit.path))


def rewrite_files(inputs: list[InputFile], planner: Planner) -> Result:
    """Every document of every input, with each object's plan applied (pure apart from the planner)."""
    files, said, workloads, changed = [], [], 0, 0
    for item in inputs:
        documents = split_documents(item.source, item.text)
        for document in documents:
            parse(document)
            if document.node is None:
                continue
            edits: list[Edit] = []
            for prefix, obj in objects_with_paths(plain(document.node)):
                if template_path(obj) is None:
                    continue
                workloads += 1
                plan = planner(obj)
                said.extend(plan.said)
                edits.extend(_prefixed(edit, prefix) for edit in plan.edits)
                changed += bool(plan.edits)
            if edits:
                before = write(document, document.node)
                apply(document.node, edits)
                document.changed = True
                emit(document, before)
                said.extend(document.notes)
        files.append((item, documents))
    return Result(files, said, workloads, changed)


def file_text(documents: list[Document]) -> str:
    return "".join(d.rendered() for d in documents)


def check_flags(filenames: list[str], in_place: bool, output: str) -> None:
    check_output(output, ("yaml", "json"))
    refuse_together(("--in-place", in_place), ("-o json", output == "json"))
    if in_place and STDIN in filenames:
        raise UserError("--in-place rewrites files: it cannot be used with -f - (stdin)")


def read_objects(inputs: list[InputFile]) -> list[dict]:
    """The Pods and workloads of the inputs, as plain dicts (for checks before any planning)."""
    objects: list[dict] = []
    for item in inputs:
        for document in split_documents(item.source, item.text):
            parse(document)
            if document.node is not None:
                objects.extend(o for _, o in objects_with_paths(plain(document.node)) if template_path(o) is not None)
    return objects


def run_rewrite(*, filenames: list[str], planner: Planner, in_place: bool, output: str,
                nothing_done: str, inputs: list[InputFile] | None = None) -> int:
    """Read (unless `inputs` were read already), plan, then print or write. `nothing_done` is
    said when no object changed."""
    check_flags(filenames, in_place, output)
    result = rewrite_files(read_inputs(filenames) if inputs is None else inputs, planner)
    if not result.workloads:
        raise UserError(f"no Pod or workload with a pod template in {', '.join(filenames)}")
    for line in result.said:
        note(f"# {line}")
    if not result.changed:
        note(f"# {nothing_done}")
    if in_place:
        for item, documents in result.files:
            if any(d.changed for d in documents) and item.path is not None:
                write_in_place(item.path, file_text(documents))
                note(f"# rewrote {item.source}")
    elif output == "json":
        body = {"apiVersion": "v1", "kind": "List", "items": result.objects()}
        sys.stdout.write(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
    else:
        texts = [file_text(documents) for _, documents in result.files]
        sys.stdout.write("".join(_joined(texts)))
    return 0


def _joined(texts: list[str]):
    """Files one after another, each after a `---` unless it starts with one (kubectl reads it so)."""
    for index, text in enumerate(texts):
        if index and not text.startswith("---"):
            yield "---\n"
        yield text
        if text and not text.endswith("\n"):
            yield "\n" if index < len(texts) - 1 else ""
