"""`explain` and `diff` over many clusters at once (`--context` repeated, `--all-contexts`).

Each cluster's run is the one-cluster command, on a thread of a bounded pool, writing into a
buffer of its own; the buffers are printed in the order the contexts were given, each under its
context's heading, then the findings that recur are grouped across clusters ("2/3 clusters: ...").
A cluster that cannot be read is one `error:` line and makes the exit code 2; the others go on.
"""

from __future__ import annotations

import io
import sys
import threading
from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, runtime_checkable

from kubectl_pods.errors import EXIT_ERROR, EXIT_FOUND, EXIT_OK, NoPodsFound, UserError

MAX_CLUSTERS_AT_ONCE = 8


class ItemWriter(Protocol):
    """What a command writes its report into: the ExplainWriter, the DiffWriter."""

    def add(self, item, *more) -> None: ...

    def finish(self, unavailable: list[dict]) -> None: ...


@runtime_checkable
class SkippingWriter(ItemWriter, Protocol):
    """A writer that also lists what could not be compared (the DiffWriter)."""

    def skip(self, item: dict) -> None: ...


@dataclass
class Recorder:
    """Stands where a command's writer stands: hands each item on to the cluster's text writer
    (if any), keeps it for the one JSON list (`keep`), and counts its findings for the grouping
    across clusters, so that text output holds no more than a cluster's own writer does."""

    inner: ItemWriter | None = None
    findings: Callable[[Any], list[str]] | None = None  # of an Explanation or a DiffItem
    keep: bool = False
    items: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    unavailable: list[dict] = field(default_factory=list)
    found: dict[str, int] = field(default_factory=dict)  # finding -> how many items show it

    def add(self, item: dict, *more) -> None:
        if self.keep:
            self.items.append(item)
        for text in dict.fromkeys(self.findings(item) if self.findings else ()):
            self.found[text] = self.found.get(text, 0) + 1
        if self.inner is not None:
            self.inner.add(item, *more)

    def skip(self, item: dict) -> None:
        self.skipped.append(item)
        if isinstance(self.inner, SkippingWriter):
            self.inner.skip(item)

    def finish(self, unavailable: list[dict]) -> None:
        self.unavailable = list(unavailable)
        if self.inner is not None:
            self.inner.finish(unavailable)

    def __getattr__(self, name):  # the DiffWriter's `drift` and `skipped` flags, read by diff
        return getattr(self.inner, name)


@dataclass
class ClusterRun:
    context: str
    code: int = EXIT_OK
    text: str = ""
    recorder: Recorder | None = None
    errors: list[str] = field(default_factory=list)  # one line each: bad pods, or the cluster itself
    note: str | None = None


def run_each(contexts: list[str], work: Callable[[str, io.StringIO, list[str]], tuple[int, Recorder]]) -> list[ClusterRun]:
    """`work(context, out, errors)` for every context, at most MAX_CLUSTERS_AT_ONCE at a time."""
    def one(context: str) -> ClusterRun:
        out = io.StringIO()
        errors: list[str] = []
        run = ClusterRun(context, errors=errors)
        try:
            run.code, run.recorder = work(context, out, errors)
        except NoPodsFound as exc:
            run.note = str(exc)
        except UserError as exc:
            run.code = EXIT_ERROR
            errors.append(" ".join(str(exc).split()))
        run.text = out.getvalue()
        return run

    # Daemon workers rather than a ThreadPoolExecutor, whose threads the interpreter joins at
    # exit: after Ctrl-C, a cluster that is slow to answer must not hold the exit.
    runs: list[ClusterRun | None] = [None] * len(contexts)
    pending = iter(list(enumerate(contexts)))
    lock = threading.Lock()
    failures: list[Exception] = []

    def worker() -> None:
        while True:
            with lock:
                index, context = next(pending, (-1, None))
            if context is None:
                return
            try:
                runs[index] = one(context)
            except Exception as exc:  # a bug, not a cluster's answer: raised again below, for -v
                failures.append(exc)

    workers = [threading.Thread(target=worker, daemon=True)
               for _ in range(min(MAX_CLUSTERS_AT_ONCE, len(contexts)))]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    if failures:
        raise failures[0]
    return [run for run in runs if run is not None]  # all of them: a worker that failed raised above


def report(runs: list[ClusterRun], structured: str | None, header: dict, grouped_title: str) -> int:
    """Print the runs and, in text, the findings grouped across them; the exit code of them all."""
    print_runs(runs, structured, header)
    lines = [] if structured else grouped_lines(runs)
    if lines:
        sys.stdout.write(f"\n{grouped_title}\n" + "\n".join(lines) + "\n")
    codes = {run.code for run in runs}
    return EXIT_ERROR if EXIT_ERROR in codes else EXIT_FOUND if EXIT_FOUND in codes else EXIT_OK


def error_line(context: str, message: str) -> str:
    """A cluster's error, in a run over many: one line naming its context."""
    return f'error: context "{context}": ' + " ".join(message.split())


def print_runs(runs: list[ClusterRun], structured: str | None, header: dict) -> None:
    """Text: each cluster's output under its heading. JSON/YAML: one list of every cluster's
    items, each with its `context`, and the clusters that failed under `errors`."""
    if structured:
        from kubectl_pods.render.structured import ListStream

        stream = ListStream(sys.stdout, structured, header)
        for run in runs:
            for item in (run.recorder.items + run.recorder.skipped) if run.recorder else []:
                stream.add({"context": run.context, **item})
        extra = {}
        errors = [{"context": run.context, "error": line} for run in runs for line in run.errors]
        if errors:
            extra["errors"] = errors
        unavailable = [{"context": run.context, **note} for run in runs if run.recorder for note in run.recorder.unavailable]
        if unavailable:
            extra["unavailable"] = unavailable
        stream.finish(extra)
    else:
        for number, run in enumerate(runs):
            body = run.text or (f"{run.note}\n" if run.note else "" if run.errors else "nothing to show\n")
            if not body:
                continue
            sys.stdout.write(("\n" if number else "") + f"== context {run.context} ==\n" + body)
    for run in runs:
        for line in run.errors:
            print(error_line(run.context, line), file=sys.stderr)


def grouped_lines(runs: list[ClusterRun]) -> list[str]:
    """Each finding once, with how many of the clusters that answered show it (and which, when
    not all): `2/3 clusters (prod, eu): ...`, most widespread first."""
    answered = [run for run in runs if run.recorder is not None]
    where: dict[str, list[str]] = {}
    for run in answered:
        for text in run.recorder.found if run.recorder else ():
            where.setdefault(text, []).append(run.context)
    lines = []
    for text, contexts in sorted(where.items(), key=lambda entry: -len(entry[1])):
        which = "" if len(contexts) == len(answered) else f" ({', '.join(contexts)})"
        lines.append(f"  {len(contexts)}/{len(answered)} clusters{which}: {text}")
    return lines
