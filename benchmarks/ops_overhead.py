"""A/B: the cost of request metrics + audit log on 4 KiB PUT/GET, in one run.

Two Grenier servers run side by side on one machine: A with metrics off
(``GRENIER_METRICS=off``) and no audit log, B as an operator runs it (metrics on, which is
the default, plus ``--audit-log FILE``). Their runs are interleaved (A B, then B A, …) and
repeated, so a neighbour's load hits both alike; the report gives each repeat and the
ratio of medians.

    python -m benchmarks.ops_overhead --count 3000 --repeats 5 [--durability relaxed]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

from benchmarks.loadgen import Job, LoadPool
from benchmarks.procs import free_port, stop_group, tree_cpu_seconds
from benchmarks.servers import ACCESS_KEY, SECRET_KEY, ServerSpec, Target, _launch


def start(name: str, work: Path, durability: str, observed: bool) -> Target:
    data = work / name / "data"
    data.mkdir(parents=True, exist_ok=True)
    port = free_port()
    argv = [sys.executable, "-m", "grenier", "server", str(data), "--address",
            f"127.0.0.1:{port}", "--durability", durability, "--console-address", "off"]  # fmt: skip
    env = {"GRENIER_ROOT_USER": ACCESS_KEY, "GRENIER_ROOT_PASSWORD": SECRET_KEY}
    if observed:
        argv += ["--audit-log", str(work / name / "audit.log")]
    else:
        env["GRENIER_METRICS"] = "off"
    spec = ServerSpec(name, durability == "full", "", lambda *_: None)  # type: ignore[arg-type,return-value]
    return _launch(spec, argv, work / name, data, "/minio/health/ready", port, env, timeout=60)


def run_once(
    pool: LoadPool, target: Target, op: str, prefix: str, count: int, conc: int
) -> tuple[float, float]:
    """(ops/s, server CPU microseconds per request): the CPU figure is the steadier one on
    a shared machine, since a neighbour's load slows both servers' clocks, not their work."""
    cpu = tree_cpu_seconds(target.proc.pid)
    job = Job(target.endpoint, ACCESS_KEY, SECRET_KEY, "abtest", op, prefix=prefix, count=count,
              size=4096, concurrency=conc, time_limit=300)  # fmt: skip
    result = pool.run(job)
    if result.errors:
        raise RuntimeError(f"{target.name} {op}: {result.errors} errors ({result.first_error})")
    return result.ops_s, 1e6 * (tree_cpu_seconds(target.proc.pid) - cpu) / max(1, result.ops)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--count", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--processes", type=int, default=2)
    parser.add_argument("--durability", choices=["full", "relaxed"], default="full")
    args = parser.parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="grenier-ab-"))
    servers = {"A": start("A-off", work, args.durability, False),
               "B": start("B-on", work, args.durability, True)}  # fmt: skip
    rates: dict[tuple[str, str], list[float]] = {}
    cpus: dict[tuple[str, str], list[float]] = {}
    try:
        with LoadPool(args.processes) as pool:
            for target in servers.values():
                pool.run(Job(target.endpoint, ACCESS_KEY, SECRET_KEY, "abtest", "create_bucket",
                             time_limit=10), workers=1)  # fmt: skip
            for r in range(args.repeats):
                order = ("A", "B") if r % 2 == 0 else ("B", "A")
                for op in ("put", "get"):
                    for name in order:
                        rate, cpu = run_once(
                            pool, servers[name], op, f"r{r}", args.count, args.concurrency
                        )
                        rates.setdefault((name, op), []).append(rate)
                        cpus.setdefault((name, op), []).append(cpu)
                        print(f"repeat {r} {op:3} {name}: {rate:8.0f} ops/s {cpu:6.0f} us CPU/req",
                              flush=True)  # fmt: skip
    finally:
        for target in servers.values():
            stop_group(target.proc)
    print(f"\n4 KiB, {args.count} objects x {args.repeats}, concurrency {args.concurrency}, "
          f"durability {args.durability}")  # fmt: skip
    for op in ("put", "get"):
        a, b = statistics.median(rates[("A", op)]), statistics.median(rates[("B", op)])
        ca, cb = statistics.median(cpus[("A", op)]), statistics.median(cpus[("B", op)])
        print(f"{op.upper():3}  off {a:8.0f} ops/s {ca:5.0f} us CPU/req   "
              f"on {b:8.0f} ops/s {cb:5.0f} us CPU/req   "
              f"throughput on/off {b / a:.3f}   CPU per request on/off {cb / ca:.3f}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
