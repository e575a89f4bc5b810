"""The targets of issue 22, judged on the rows of one run of `python -m bench`: each met, or
missed by how much, with what the run itself shows of why (the start-up floor every live command
pays before its first request) and what would close it."""

from __future__ import annotations

LOADER_FLOOR = "kubectl kubeloader (floor for live commands)"
ONE_POD_EXPLAIN = "explain POD"
ONE_POD_DIFF = "diff POD (last-applied)"


def summary_row(size: int) -> str:
    return f"explain -l (summary), N={size:,}"


def json_row(size: int) -> str:
    return f"explain -o json, N={size:,}"


# (row, target ratio, what closes the gap when it is missed)
CLOSE_ONE_POD = ("a start-up below the floor: kubectl is one Go binary; here Python, typer and urllib3 are "
                 "imported before the first request (a frozen build, `bench/run.py --frozen`, or a "
                 "typer-free entry point for live commands)")
CLOSE_LIST = ("less Python work a pod (decoding, the edge check, the explanation; the profile is in "
              "docs/performance.md) or, for text, a server-side table (`as=Table`, what kubectl asks for)")


def targets(sizes: list[int]) -> list[tuple[str, float, str]]:
    found = [(ONE_POD_EXPLAIN, 1.5, CLOSE_ONE_POD), (ONE_POD_DIFF, 1.5, CLOSE_ONE_POD)]
    for size in sizes:
        if size in (1000, 10000):
            found += [(summary_row(size), 1.2, CLOSE_LIST), (json_row(size), 0.5, CLOSE_LIST)]
    return found


def judge(rows, sizes: list[int]) -> list[str]:
    """One line a target: met, or missed by how much, why (the floor) and what would close it."""
    by_name = {row[0]: row for row in rows}
    floor = by_name.get(LOADER_FLOOR)
    lines = []
    for name, target, closes in targets(sizes):
        if name not in by_name:
            continue
        _, theirs, mine, _, base, _, mine_cpu, base_cpu = by_name[name]
        ratio = mine / base
        if ratio <= target:
            lines.append(f"{name}: {ratio:.2f}× `{theirs}` (target ≤ {target}×): met")
            continue
        why = ""
        if floor is not None:
            start = floor[2]
            why = (f"; {start * 1000:.0f} ms of its {mine * 1000:.0f} ms is the start-up floor (the "
                   f"`{LOADER_FLOOR}` row), and the rest {max(mine - start, 0) / base:.2f}× `{theirs}`")
        lines.append(f"{name}: {ratio:.2f}× `{theirs}` (target ≤ {target}×): missed by "
                     f"{(ratio / target - 1) * 100:.0f}% ({(mine - target * base) * 1000:.0f} ms; CPU "
                     f"{mine_cpu * 1000:.0f} ms against {base_cpu * 1000:.0f} ms){why}; what would close it: {closes}")
    lines += _memory(by_name, sizes)
    return lines


def _memory(by_name: dict, sizes: list[int]) -> list[str]:
    """Memory stays flat: the peak at the largest N within 1.5× the peak at the smallest."""
    if len(sizes) < 2:
        return []
    lines = []
    for row in (summary_row, json_row):
        small, large = by_name.get(row(sizes[0])), by_name.get(row(sizes[-1]))
        if small and large:
            growth = large[3] / small[3]
            lines.append(f"peak RSS of `{row(sizes[-1])}` {large[3] / 1024:.0f} MiB against {small[3] / 1024:.0f} MiB "
                         f"at N={sizes[0]:,} ({growth:.2f}×; kubectl {large[5] / 1024:.0f} MiB): "
                         f"{'flat (met)' if growth <= 1.5 else 'grows (missed)'}")
    return lines
