"""Turn raw runs into medians with min–max, ratios, targets, markdown and a PNG chart.

Every figure shown is a ratio to a peer or to a limit measured in the same run. Each row
has one primary metric (ops/s, MiB/s, keys/s or seconds); ``higher_is_better`` says which
way it points. "Best peer" is the best of SeaweedFS, rclone and moto on that row.
"""

from __future__ import annotations

import statistics
from pathlib import Path
from typing import Any

PEERS = ("seaweedfs", "rclone", "moto")
GRENIERS = ("grenier", "grenier-relaxed")


def metric(row: str) -> tuple[str, bool]:
    """(field, higher_is_better) for a row name."""
    if row.startswith(("Zarr", "CLI")):
        return "seconds", False
    if row.startswith("start-up"):
        return "ready_s", False
    if row.startswith("LIST"):
        return "keys_per_s", True
    if row.startswith(("HEAD", "DELETE", "populate")) or " 4 KiB" in row or " 1 MiB" in row:
        return "ops_s", True
    return "mib_s", True


def aggregate(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Median, min and max of every numeric field; errors are summed, not averaged."""
    out: dict[str, Any] = {"repeats": len(runs)}
    fields = {k for r in runs for k, v in r.items() if isinstance(v, int | float)}
    fields -= {"timed_out"}
    for name in sorted(fields):
        values = [r[name] for r in runs if isinstance(r.get(name), int | float)]
        if name == "errors":
            out[name] = sum(values)
            continue
        out[name] = statistics.median(values)
        out[f"{name}_min"], out[f"{name}_max"] = min(values), max(values)
    out["first_error"] = next((r["first_error"] for r in runs if r.get("first_error")), "")
    return out


def value(servers: dict[str, Any], server: str, row: str) -> float | None:
    stats = servers.get(server, {}).get("rows", {}).get(row)
    if not stats or stats.get("errors"):
        return None
    field, _ = metric(row)
    got = stats.get(field)
    return float(got) if isinstance(got, int | float) and got > 0 else None


def best_peer(servers: dict[str, Any], row: str) -> tuple[str, float] | None:
    _, higher = metric(row)
    found = [(p, v) for p in PEERS if (v := value(servers, p, row)) is not None]
    if not found:
        return None
    return max(found, key=lambda pv: pv[1] if higher else -pv[1])


def ratio_to_best_peer(servers: dict[str, Any], server: str, row: str) -> float | None:
    """> 1 means better than the best peer, whichever way the metric points."""
    mine, best = value(servers, server, row), best_peer(servers, row)
    if mine is None or best is None:
        return None
    _, higher = metric(row)
    return mine / best[1] if higher else best[1] / mine


def all_rows(servers: dict[str, Any]) -> list[str]:
    seen: list[str] = []
    for info in servers.values():
        for row in info.get("rows", {}):
            if row not in seen:
                seen.append(row)
    return seen


def cell(stats: dict[str, Any] | None, field: str) -> str:
    if not stats:
        return "–"
    if stats.get("errors"):
        return f"ERR ({stats['errors']})"
    if field not in stats:
        return "–"
    return f"{_num(stats[field])} ({_num(stats[field + '_min'])}–{_num(stats[field + '_max'])})"


def _num(x: float) -> str:
    if x >= 100:
        return f"{x:,.0f}"
    return f"{x:.3g}" if x < 10 else f"{x:.1f}"


def markdown(result: dict[str, Any], targets: list[dict[str, Any]]) -> str:
    servers = result["servers"]
    names = [n for n in servers if not servers[n].get("skipped")]
    lines = [f"# Grenier benchmark — {result['date']}{' (quick)' if result['quick'] else ''}", ""]
    lines += [f"Machine: {result['machine']}. Repeats: {result['repeats']}; cells are median "
              "(min–max). Ratio = Grenier / best peer on that row (> 1 is better, either way).", ""]  # fmt: skip
    lines += [
        "## Machine limits",
        "",
        "| limit (MiB/s unless said) | median (min–max) |",
        "|---|---|",
    ]
    for key in result["limits"]["median"]:
        if not key.endswith(("_min", "_max")) and key != "repeats" and key != "first_error":
            lines.append(f"| {key} | {cell(result['limits']['median'], key)} |")
    zl = result.get("zarr_local")
    if zl:
        lines.append(f"| Zarr to local disk, write s | {cell(zl, 'write_s')} |")
        lines.append(f"| Zarr from local disk, read s | {cell(zl, 'read_s')} |")
    lines += ["", "## Servers", ""]
    for n, info in servers.items():
        state = f"skipped: {info['skipped']}" if info.get("skipped") else info.get("note", "")
        lines.append(f"- **{n}**: {state}")
    header = "| row | metric | " + " | ".join(names)
    ratios = [g for g in GRENIERS if g in names]
    header += "".join(f" | {g} / best peer" for g in ratios) + " |"
    lines += ["", "## Results", "", header, "|" + "---|" * (2 + len(names) + len(ratios))]
    for row in all_rows(servers):
        field, higher = metric(row)
        cells = [cell(servers[n].get("rows", {}).get(row), field) for n in names]
        rs = [ratio_to_best_peer(servers, g, row) for g in ratios]
        unit = field + (" ↑" if higher else " ↓")
        ratio_cells = [f"{r:.2f}×" if r else "–" for r in rs]
        lines.append(f"| {row} | {unit} | " + " | ".join(cells + ratio_cells) + " |")
    lines += ["", "## Targets", "", "| target | server | measured | met |", "|---|---|---|---|"]
    for t in targets:
        met = {True: "met", False: "**missed**", None: "n/a"}[t["met"]]
        lines.append(f"| {t['target']} | {t['server']} | {t['measured']} | {met} |")
    lines += ["", "## Latency, errors and server resources (medians)", ""]
    lines += ["| server | row | p50 ms | p99 ms | errors | peak RSS MB | CPU s | first error |"]
    lines += ["|---|---|---|---|---|---|---|---|"]
    for n in names:
        for row, stats in servers[n].get("rows", {}).items():
            if "p50_ms" not in stats and not stats.get("errors"):
                continue
            err = str(stats.get("first_error", ""))[:80].replace("|", "/").replace("\n", " ")
            lines.append(
                f"| {n} | {row} | {stats.get('p50_ms', '–')} | {stats.get('p99_ms', '–')} | "
                f"{stats.get('errors', 0)} | {stats.get('server_peak_rss_mb', '–')} | "
                f"{stats.get('server_cpu_s', '–')} | {err} |"
            )
    notes = result.get("notes", [])
    if notes:
        lines += ["", "## Notes", ""] + [f"- {n}" for n in notes]
    return "\n".join(lines) + "\n"


def chart(result: dict[str, Any], path: Path) -> None:
    """Each server's primary metric on each row, divided by the best peer's (log scale)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    servers = result["servers"]
    names = [n for n in servers if not servers[n].get("skipped")]
    rows = [r for r in all_rows(servers) if best_peer(servers, r)]
    if not rows:
        return
    fig, ax = plt.subplots(figsize=(11, 0.45 * len(rows) * max(1, len(names)) / 2 + 2))
    height = 0.8 / max(1, len(names))
    for i, n in enumerate(names):
        xs = [ratio_to_best_peer(servers, n, r) or 0.0 for r in rows]
        ys = [j + i * height for j in range(len(rows))]
        ax.barh(ys, xs, height=height, label=n)
    ax.set_yticks([j + 0.4 - height / 2 for j in range(len(rows))])
    ax.set_yticklabels(rows, fontsize=8)
    ax.invert_yaxis()
    ax.axvline(1.0, color="black", linewidth=0.8)
    ax.axvline(2.0, color="grey", linewidth=0.8, linestyle="--")
    ax.set_xscale("log")
    ax.set_xlabel("ratio to the best peer on the row (> 1 is better; dashed: 2×)")
    ax.set_title(f"Grenier benchmark {result['date']}{' (quick)' if result['quick'] else ''}")
    ax.legend(fontsize=8, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
