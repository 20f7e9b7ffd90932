"""Run the whole benchmark suite: ``python -m benchmarks.run [--quick] [options]``.

Order: SigV4 self-check; machine limits; then, one at a time, the sink and each server,
each on a fresh data dir under ``--work``, running the selected workloads ``--repeats``
times; each server is stopped (its process group killed) before the next starts. Writes
``<out>/<date>[-quick].json``, ``.md`` and ``.png``.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import sys
import time
import traceback
from pathlib import Path
from typing import Any

from benchmarks import cli_copy, limits, memory, report, sigv4, targets, workloads, zarr_bench
from benchmarks.config import FULL, QUICK, Sizes
from benchmarks.loadgen import LoadPool
from benchmarks.servers import SERVERS, SINK, ServerSpec
from benchmarks.workloads import Session

WORKLOADS = ("objects", "list", "biglist", "zarr", "cli", "memory", "startup")
SIZE_NAMES = ("small", "medium", "large", "multipart")
OUT = Path(__file__).resolve().parent / "results"
WORK = Path(__file__).resolve().parent / "work" / "run"


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__)
    p.add_argument("--quick", action="store_true", help="small counts: a smoke run of seconds")
    p.add_argument(
        "--servers", default=",".join(SERVERS), help="comma list of " + ",".join(SERVERS)
    )
    p.add_argument(
        "--workloads", default=",".join(WORKLOADS), help="comma list of " + ",".join(WORKLOADS)
    )
    p.add_argument(
        "--sizes", default=",".join(SIZE_NAMES), help="object sets: " + ",".join(SIZE_NAMES)
    )
    p.add_argument("--skip-big-list", action="store_true", help="skip the 1,000,000-key listing")
    p.add_argument("--repeats", type=int, default=3)
    p.add_argument("--processes", type=int, default=2, help="load generator processes")
    p.add_argument("--no-sink", action="store_true", help="skip the generator-ceiling runs")
    p.add_argument("--grenier-args", default="", help="extra args for `grenier server`")
    p.add_argument("--out", type=Path, default=OUT)
    p.add_argument("--work", type=Path, default=WORK)
    return p.parse_args(argv)  # fmt: skip


def machine() -> str:
    import psutil

    mem = psutil.virtual_memory().total / 2**30
    return f"{os.cpu_count()} cores, {mem:.0f} GiB RAM, {platform.system()} {platform.release()}, Python {platform.python_version()}"  # noqa: E501


def run_limits(args: argparse.Namespace, sizes: Sizes) -> dict[str, Any]:
    runs = [limits.measure(args.work / "limits", sizes.limit_bytes) for _ in range(args.repeats)]
    return {"runs": runs, "median": report.aggregate(runs)}  # type: ignore[arg-type]


def run_target(
    spec: ServerSpec, args: argparse.Namespace, sizes: Sizes, pool: LoadPool, zarr_ds: Any
) -> dict[str, Any]:
    info: dict[str, Any] = {"note": spec.note, "fsync": spec.fsync, "skipped": "", "rows": {}}
    if reason := spec.missing():
        info["skipped"] = reason
        return info
    work = args.work / spec.name
    shutil.rmtree(work, ignore_errors=True)
    extra = args.grenier_args.split() if spec.name.startswith("grenier") else []
    try:
        target = spec.start(work, extra)
    except Exception as exc:  # noqa: BLE001 - a server that will not start is a skipped column
        info["skipped"] = str(exc).splitlines()[0][:300]
        return info
    session = Session(pool, target, sizes)
    print(f"[{spec.name}] ready in {target.ready_seconds:.2f}s at {target.endpoint}", flush=True)
    try:
        _workloads(session, spec, args, sizes, zarr_ds)
    except Exception as exc:  # noqa: BLE001 - keep what was measured, report the rest
        info["error"] = f"{type(exc).__name__}: {exc}"[:400]
        traceback.print_exc()
    finally:
        target = session.target
        target.stop()
    info["rows"] = {row: report.aggregate(runs) for row, runs in session.rows.items()}
    info["notes"] = session.notes
    return info


def _workloads(
    s: Session, spec: ServerSpec, args: argparse.Namespace, sizes: Sizes, zarr_ds: Any
) -> None:
    chosen = set(args.workloads.split(","))
    sink = spec.name == "sink"
    sets = tuple(o for o in sizes.objects if o.name in args.sizes.split(","))
    for r in range(args.repeats):
        print(f"[{spec.name}] repeat {r + 1}/{args.repeats}", flush=True)
        if "objects" in chosen:
            workloads.object_rows(s, sets, r, sink)
        if sink:
            continue
        if "list" in chosen:
            workloads.list_rows(s, "list-small", sizes.list_small, r)
        if "biglist" in chosen and not args.skip_big_list:
            workloads.list_rows(s, "list-big", sizes.list_big, r, delimiter=False)
        if "zarr" in chosen:
            _zarr(s, zarr_ds, r)
        if "cli" in chosen:
            _cli(s, args, sizes, r)
        if "memory" in chosen and spec.name.startswith("grenier"):
            memory.run(s, sizes.memory_size, r)
    if "startup" in chosen and not sink:
        _startup(s)


def _zarr(s: Session, ds: Any, r: int) -> None:
    if r == 0:
        s.create_bucket("zarr")
    try:
        got = zarr_bench.through_s3(ds, s.target, "zarr", f"r{r}")
    except Exception as exc:  # noqa: BLE001
        for phase in ("write", "read"):
            s.fail(f"Zarr {phase}", f"{type(exc).__name__}: {exc}")
        return
    for phase in ("write", "read"):
        s.rows.setdefault(f"Zarr {phase}", []).append({"seconds": got[f"{phase}_s"], "errors": 0})


def _cli(s: Session, args: argparse.Namespace, sizes: Sizes, r: int) -> None:
    if r == 0:
        s.create_bucket("cli")
    tree = cli_copy.make_tree(args.work / "cli-tree", sizes.cli_files, sizes.cli_file_size)
    argvs = cli_copy.commands(s.target, tree, "cli", f"r{r}")
    for tool, check in cli_copy.availability().items():
        row = f"CLI {tool}"
        if reason := check():
            s.notes[row] = reason
            continue
        seconds, error = cli_copy.run_tool(
            tool, argvs[tool], s.target, args.work, sizes.time_limit * 4
        )
        if error:
            s.fail(row, error)
            continue
        prefix = f"r{r}/{cli_copy.SUBDIR[tool]}/"
        listed = s.pool.run(s.job("cli", "list", list_prefix=prefix), workers=1)
        record = {"seconds": round(seconds, 3), "files_s": round(sizes.cli_files / seconds, 1)}
        record["errors"] = 0 if listed.keys_listed == sizes.cli_files else 1
        if record["errors"]:
            record["first_error"] = f"{listed.keys_listed} of {sizes.cli_files} files arrived"
        s.rows.setdefault(row, []).append(record)


def _startup(s: Session) -> None:
    if s.target.restart is None:
        s.notes["start-up to ready"] = "not measured: no durable data dir to restart on"
        return
    s.target.stop()
    s.target = s.target.restart()
    record = {"ready_s": round(s.target.ready_seconds, 3), "objects": s.populated, "errors": 0}
    s.rows.setdefault("start-up to ready", []).append(record)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    sizes = QUICK if args.quick else FULL
    unknown = set(args.servers.split(",")) - set(SERVERS)
    if unknown:
        sys.exit(f"unknown servers: {', '.join(sorted(unknown))}")
    sigv4.self_check()
    print("sigv4 self-check against botocore: ok", flush=True)
    args.work.mkdir(parents=True, exist_ok=True)
    started = time.time()
    result: dict[str, Any] = {
        "date": datetime.datetime.now().strftime("%Y-%m-%d %H:%M"),
        "quick": args.quick,
        "repeats": args.repeats,
        "machine": machine(),
        "args": {k: str(v) for k, v in vars(args).items()},
        "notes": [
            "None of the peers fsyncs by default; Grenier's default mode fsyncs before acknowledging, "
            "grenier-relaxed does not. moto is in memory: an upper bound, not a durable store.",
        ],
    }
    print("measuring machine limits", flush=True)
    result["limits"] = run_limits(args, sizes)
    chosen = set(args.workloads.split(","))
    zarr_ds = zarr_bench.dataset(sizes.zarr_time_steps) if "zarr" in chosen else None
    if zarr_ds is not None:
        local = [zarr_bench.local(zarr_ds, args.work) for _ in range(args.repeats)]
        result["zarr_local"] = report.aggregate(local)  # type: ignore[arg-type]
        result["zarr_bytes"] = zarr_bench.nbytes(zarr_ds)
    specs = ([] if args.no_sink else [SINK]) + [SERVERS[n] for n in args.servers.split(",")]
    result["servers"] = {}
    with LoadPool(args.processes) as pool:
        for spec in specs:
            result["servers"][spec.name] = run_target(spec, args, sizes, pool, zarr_ds)
    large = next((o for o in sizes.objects if o.name == "large"), sizes.objects[0])
    found = targets.evaluate(result, large.label, large.size)
    result["targets"] = found
    result["elapsed_s"] = round(time.time() - started, 1)
    return _write(result, found, args)


def _write(result: dict[str, Any], found: list[dict[str, Any]], args: argparse.Namespace) -> int:
    args.out.mkdir(parents=True, exist_ok=True)
    stem = datetime.date.today().isoformat() + ("-quick" if args.quick else "")
    (args.out / f"{stem}.json").write_text(json.dumps(result, indent=1, default=str) + "\n")
    text = report.markdown(result, found)
    (args.out / f"{stem}.md").write_text(text)
    try:
        report.chart(result, args.out / f"{stem}.png")
    except ImportError:
        print("matplotlib missing: no chart (pip install matplotlib)", file=sys.stderr)
    print(text)
    print(f"wrote {args.out / stem}.json/.md/.png in {result['elapsed_s']}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
