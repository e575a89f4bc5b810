"""The one user-facing error type and the handler that turns it into `error: ...` and exit 2."""

from __future__ import annotations

import sys
import traceback

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_ERROR = 2


class UserError(Exception):
    """Something the user must fix (a flag, a file, the cluster's answer): one line, exit 2."""


class Forbidden(UserError):
    """The server answered 403: callers reading something optional go on without it."""

    def __init__(self, message: str, resource: str = ""):
        super().__init__(message)
        self.resource = resource


class NamespaceTerminating(UserError):
    """The server refused to create in a namespace being deleted (a 403 with that cause): not a
    permission, and not something optional to go on without."""


class NotFound(UserError):
    """The server answered 404."""


class Unreachable(UserError):
    """No answer from the server at all: refused, timed out, TLS failed."""


class NoPodsFound(UserError):
    """Nothing matched: on one cluster of many, a fact about it rather than an error."""


class Expired(UserError):
    """The server answered 410 Gone to a watch: its resourceVersion is too old; list again."""


def report_error(exc: BaseException, verbose: bool) -> int:
    """Print `exc` as one `error: ...` line on stderr (a traceback only when verbose)."""
    if verbose:
        traceback.print_exception(exc, file=sys.stderr)
    message = " ".join(str(exc).split()) or type(exc).__name__
    if not isinstance(exc, UserError):
        message = f"{type(exc).__name__}: {message} (run with -v for details)"
    print(f"error: {message}", file=sys.stderr)
    return EXIT_ERROR
