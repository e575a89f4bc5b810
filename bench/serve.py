"""The loopback test API server holding N realistic pods, in a process of its own (so that the
benchmark's own memory never counts in a measured command's peak RSS): prints the kubeconfig
path, serves until stdin closes.

    python -m bench.serve N KUBECONFIG_PATH
"""

from __future__ import annotations

import sys
from pathlib import Path

from bench.compare import realistic_objects
from tests.apiserver.server import RunningApiServer


def main() -> int:
    count, kubeconfig = int(sys.argv[1]), Path(sys.argv[2])
    server = RunningApiServer(realistic_objects(count))
    print(server.write_kubeconfig(kubeconfig, namespace="bench", extra_contexts={"second": "bench", "third": "bench"}),
          flush=True)
    sys.stdin.read()
    server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
