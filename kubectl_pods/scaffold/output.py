"""Writing the manifests: to stdout, or one file per object, atomically, never overwriting
without --force."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from kubectl_pods.errors import UserError


def serialise(objects: list[dict], output: str) -> str:
    if output == "json":
        body = objects[0] if len(objects) == 1 else {"apiVersion": "v1", "kind": "List", "items": objects}
        return json.dumps(body, indent=2, ensure_ascii=False) + "\n"
    from kubectl_pods.render.structured import dump_yaml

    return "---\n".join(dump_yaml(o, sort_keys=False, width=120) for o in objects)


def new_file_mode() -> int:
    """The mode open() gives a new file: 0666 less the process's umask (read by setting it back)."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_files(objects: list[dict], output: str, directory: str, force: bool) -> list[Path]:
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    suffix = "json" if output == "json" else "yaml"
    paths = [target / f"{o['kind'].lower()}-{o['metadata']['name']}.{suffix}" for o in objects]
    existing = [str(p) for p in paths if p.exists()]
    if existing and not force:
        raise UserError(f"{', '.join(existing)} already exists; use --force to overwrite")
    mode = new_file_mode()
    for obj, path in zip(objects, paths):
        handle, temporary = tempfile.mkstemp(dir=target, prefix=f".{path.name}.")
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(serialise([obj], output))
            # mkstemp makes the file 0600; a file written in place would have had this mode
            # (an overwritten one keeps its own).
            os.chmod(temporary, path.stat().st_mode & 0o7777 if path.exists() else mode)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    return paths
