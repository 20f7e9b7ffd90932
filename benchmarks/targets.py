"""The performance targets from the brief, each judged from figures of the same run."""

from __future__ import annotations

from typing import Any

from benchmarks.report import GRENIERS, PEERS, best_peer, ratio_to_best_peer, value

Target = dict[str, Any]
MB = 1_000_000


def _t(target: str, server: str, measured: str, met: bool | None) -> Target:
    return {"target": target, "server": server, "measured": measured, "met": met}


def _stats(result: dict[str, Any], server: str, row: str) -> dict[str, Any]:
    return dict(result["servers"].get(server, {}).get("rows", {}).get(row) or {})


def _row(result: dict[str, Any], prefix: str, suffix: str = "") -> str | None:
    for info in result["servers"].values():
        for row in info.get("rows", {}):
            if row.startswith(prefix) and row.endswith(suffix):
                return row
    return None


def _stream_mib_s(stats: dict[str, Any], size: int) -> float:
    """One stream's throughput: object size over median latency."""
    p50 = stats.get("p50_ms") or 0
    return size / 2**20 / (p50 / 1000) if p50 and not stats.get("errors") else 0.0


def evaluate(result: dict[str, Any], large_label: str, large_size: int) -> list[Target]:
    servers = result["servers"]
    out: list[Target] = []
    present = [g for g in GRENIERS if g in servers and not servers[g].get("skipped")]
    if not present:
        return [_t("all targets", "grenier", "Grenier did not run", None)]
    md5 = result["limits"]["median"].get("md5_one_core_mib_s", 0)
    for g in present:
        for row in ("PUT 4 KiB", "GET 4 KiB", "PUT 1 MiB", "GET 1 MiB"):
            r = ratio_to_best_peer(servers, g, row)
            peer = best_peer(servers, row)
            out.append(
                _t(f"{row} ops/s >= 2x best peer", g,
                   f"{r:.2f}x {peer[0]}" if r and peer else "n/a", None if r is None else r >= 2)
            )  # fmt: skip
        large = f"PUT {large_label}"
        if large in servers[g].get("rows", {}):
            mine = _stream_mib_s(_stats(result, g, large), large_size)
            out.append(_t(f"{large} single stream >= 80% of MD5 on one core ({md5:.0f} MiB/s)",
                          g, f"{mine:.0f} MiB/s = {mine / md5:.0%}" if md5 else "n/a",
                          None if not mine or not md5 else mine >= 0.8 * md5))  # fmt: skip
            get_row = "GET" + large[3:]
            mine = _stream_mib_s(_stats(result, g, get_row), large_size)
            sink = _stream_mib_s(_stats(result, "sink", get_row), large_size)
            ahead = all((value(servers, g, get_row) or 0) > (value(servers, p, get_row) or 0)
                        for p in PEERS if p in servers)  # fmt: skip
            out.append(_t(f"{get_row} single stream >= 80% of generator ceiling, ahead of peers",
                          g, f"{mine / sink:.0%} of sink; ahead of peers: {ahead}" if sink else "n/a",
                          None if not sink or not mine else (mine >= 0.8 * sink and ahead)))  # fmt: skip
        out += _listing(result, g)
        out += _zarr(result, g)
        out += _cli(result, g)
        out += _memory_startup(result, g)
    return out


def _listing(result: dict[str, Any], g: str) -> list[Target]:
    out: list[Target] = []
    small = next((r for r in result["servers"][g].get("rows", {})
                  if r.startswith("LIST") and "delimiter" not in r), None)  # fmt: skip
    if small:
        mine, weed = (
            value(result["servers"], g, small),
            value(result["servers"], "seaweedfs", small),
        )
        out.append(_t(f"{small} keys/s >= 2x SeaweedFS", g,
                      f"{mine / weed:.2f}x" if mine and weed else "n/a",
                      None if not mine or not weed else mine / weed >= 2))  # fmt: skip
    big = [r for r in result["servers"][g].get("rows", {}) if r.startswith("LIST")]
    big = [r for r in big if "delimiter" not in r and r != small]
    for row in big:
        s = _stats(result, g, row)
        first, last = s.get("first10_ms", 0), s.get("last10_ms", 0)
        enough = s.get("ops", 0) >= 20  # first and last 10 pages must not overlap
        out.append(_t(f"{row} steady (last 10 pages <= 1.5x first 10)", g,
                      f"{first:.1f} ms -> {last:.1f} ms over {s.get('ops', 0):.0f} pages",
                      None if not first or not enough or s.get("errors") else last <= 1.5 * first))  # fmt: skip
    return out


def _zarr(result: dict[str, Any], g: str) -> list[Target]:
    out: list[Target] = []
    local = result.get("zarr_local", {})
    for phase in ("write", "read"):
        s = _stats(result, g, f"Zarr {phase}")
        base = local.get(f"{phase}_s")
        mine = s.get("seconds")
        out.append(_t(f"Zarr {phase} via s3fs <= 1.3x local disk", g,
                      f"{mine / base:.2f}x" if mine and base else "n/a",
                      None if not mine or not base or s.get("errors") else mine / base <= 1.3))  # fmt: skip
    return out


def _cli(result: dict[str, Any], g: str) -> list[Target]:
    out: list[Target] = []
    rivals = [
        _stats(result, g, f"CLI {t}").get("seconds")
        for t in ("rclone copy", "aws s3 cp --recursive")
    ]
    for tool in ("grenier cp -r", "grenier mirror"):
        mine = _stats(result, g, f"CLI {tool}")
        secs = mine.get("seconds")
        ok = [r for r in rivals if r]
        met = None if not secs or mine.get("errors") or len(ok) < 2 else secs < min(ok)
        measured = f"{secs:.2f}s vs " + ", ".join(f"{r:.2f}s" for r in ok) if secs else "not run"
        out.append(_t(f"CLI {tool} faster than rclone copy and aws s3 cp", g, measured, met))
    return out


def _memory_startup(result: dict[str, Any], g: str) -> list[Target]:
    out: list[Target] = []
    for op in ("PUT", "GET"):
        row = _row(result, f"memory: {op}")
        s = _stats(result, g, row) if row else {}
        rss = s.get("server_peak_rss_mb")
        out.append(_t(f"server RSS < 150 MB during {row or 'memory ' + op}", g,
                      f"{rss:.0f} MB" if rss else "n/a",
                      None if not rss or s.get("errors") else rss < 150))  # fmt: skip
    s = _stats(result, g, "start-up to ready")
    ready, objects = s.get("ready_s"), s.get("objects", 0)
    at_scale = objects >= 1_000_000
    out.append(_t("start-up to ready < 1 s with 1,000,000 objects", g,
                  f"{ready:.2f}s with {objects:,.0f} objects" if ready else "n/a",
                  None if not ready or not at_scale else ready < 1))  # fmt: skip
    return out
