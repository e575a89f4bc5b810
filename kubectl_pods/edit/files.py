"""Reading the files to edit (a file, a directory's manifests, or stdin) and writing them back in
place: a temporary file beside the original, given the original's mode, renamed over it, so that a
reader sees the old file or the new one, never half of one."""

from __future__ import annotations

import os
import stat
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from kubectl_pods.errors import UserError
from kubectl_pods.sources.files import manifest_paths

STDIN = "-"


@dataclass
class InputFile:
    source: str            # as named in messages
    path: Path | None      # None for stdin
    text: str


def read_inputs(names: list[str]) -> list[InputFile]:
    found: list[InputFile] = []
    for name in names:
        if name == STDIN:
            found.append(InputFile("<stdin>", None, sys.stdin.read()))
            continue
        for file in manifest_paths(name):
            try:
                with open(file, encoding="utf-8", newline="") as stream:  # CRLF stays CRLF
                    found.append(InputFile(str(file), file, stream.read()))
            except FileNotFoundError:
                raise UserError(f"the path {str(file)!r} does not exist") from None
            except (OSError, UnicodeDecodeError) as exc:
                raise UserError(f"cannot read {file}: {exc}") from None
    return found


def write_in_place(path: Path, text: str) -> None:
    """Replace the file atomically, keeping its mode (and a symlink pointing where it pointed)."""
    target = Path(os.path.realpath(path))
    mode = stat.S_IMODE(target.stat().st_mode)
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as stream:
            stream.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise
