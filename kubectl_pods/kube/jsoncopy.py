"""Deep copies of JSON data (dicts, lists, strings, numbers), for the per-pod hot paths."""

from __future__ import annotations

import pickle


def copy_json(value):
    """A deep copy: pickle's C round trip, about 4× faster than copy.deepcopy on a pod (which
    keeps a memo for cycles and shared references that JSON data cannot have)."""
    return pickle.loads(pickle.dumps(value, pickle.HIGHEST_PROTOCOL))
