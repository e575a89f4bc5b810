"""Crash-loop back-off (docs/lifecycle.md §5): `kubelet.go` newCrashLoopBackOff, `backoff.go`."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

INITIAL_SECONDS = 10
MAX_SECONDS = 300
RESET_AFTER_SECONDS = 600   # a run this long expires the back-off entry (KEP-4603, 1.32+)
RESYNC_WAIT_SECONDS = 15    # a backing-off pod is re-synced every 10–15 s (pod_workers.go)
SCHEDULE = tuple([0] + [min(INITIAL_SECONDS * 2 ** (n - 1), MAX_SECONDS) for n in range(1, 8)])

_MESSAGE_DELAY = re.compile(r"back-off (?:(\d+)m)?(?:(\d+)s)? restarting")


def nominal_delay(restart_count: int) -> int:
    """Minimum wait before the next start, by the restartCount of the instance that exited:
    0 → 0 (the first restart is immediate), then 10, 20, 40, 80, 160, 300, 300, ..."""
    if restart_count <= 0:
        return 0
    # Closed form: past the 7th restart the cap holds, so 2**n is never computed for a huge n.
    return min(INITIAL_SECONDS * 2 ** (min(restart_count, len(SCHEDULE)) - 1), MAX_SECONDS)


def step(delay: int) -> int:
    """Which step of the schedule a delay is (0 = immediate, 1 = 10 s, ..., 6 = the 300 s cap)."""
    return next((i for i, value in enumerate(SCHEDULE) if value >= delay), len(SCHEDULE) - 1)


def delay_from_message(message: str | None) -> int | None:
    """The kubelet's current delay from `back-off 1m20s restarting failed container=...`."""
    match = _MESSAGE_DELAY.search(message or "")
    if not match or not any(match.groups()):
        return None
    return int(match.group(1) or 0) * 60 + int(match.group(2) or 0)


def expected_delay(restart_count: int, run_seconds: float | None, waiting_message: str | None) -> int:
    """The delay the kubelet applies now: its own message if it wrote one; else the schedule,
    reset when the last run lasted over 600 s (the entry expired)."""
    from_message = delay_from_message(waiting_message)
    if from_message is not None:
        return from_message
    if run_seconds is not None and run_seconds > RESET_AFTER_SECONDS:
        return 0
    return nominal_delay(restart_count)


def next_restart(finished_at: datetime | None, delay: int) -> datetime | None:
    """The earliest next start: `finishedAt` + delay (the real one comes at the next sync); the
    last representable moment when that lies past the year 9999."""
    if not finished_at:
        return None
    try:
        return finished_at + timedelta(seconds=delay)
    except OverflowError:
        return datetime.max.replace(tzinfo=finished_at.tzinfo)


def gap_bounds(restart_count: int, probe_kill: bool) -> tuple[float, float]:
    """The gap between an exit and the next start: the nominal delay up to one re-sync later.
    A probe kill restarts within the sync that killed, so it may come before the delay."""
    delay = nominal_delay(restart_count)
    return (0.0 if probe_kill else float(delay), float(delay + RESYNC_WAIT_SECONDS + 1))
