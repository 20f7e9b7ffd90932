"""Stream one large object (5 GiB in the full suite) up and down; watch both sides' RSS.

The body is generated in 1 MiB pieces as it is sent, and the GET is compared piece by piece
as it arrives, so the client never holds the object either. The server's peak RSS (psutil,
whole process tree) must stay under 150 MB. Standalone:
``python -m benchmarks.memory --server grenier --size-mib 5120``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
from pathlib import Path

from benchmarks.config import QUICK, human
from benchmarks.loadgen import LoadPool
from benchmarks.procs import TreeMonitor
from benchmarks.servers import SERVERS
from benchmarks.workloads import Session

RSS_TARGET_MB = 150


def run(s: Session, size: int, repeat: int) -> None:
    bucket = "memory"
    if repeat == 0:
        s.create_bucket(bucket)
    job_args = {"prefix": f"m{repeat}", "size": size, "count": 1, "concurrency": 1}
    job_args["time_limit"] = max(s.sizes.time_limit, size / (20 << 20))  # >= 20 MiB/s
    for op in ("put", "get"):
        row = f"memory: {op.upper()} {human(size)} streamed"
        monitors = [TreeMonitor(p.pid) for p in s.pool.procs]
        with contextlib.ExitStack() as stack:
            for m in monitors:
                stack.enter_context(m)
            s.measure(row, s.job(bucket, op, **job_args))
        record = s.rows[row][-1]
        record["client_peak_rss_mb"] = round(max(m.peak_rss for m in monitors) / 2**20, 1)
        if op == "get":
            with contextlib.suppress(Exception):
                s.pool.run(s.job(bucket, "delete", **job_args))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--server", default="grenier", choices=sorted(SERVERS))
    parser.add_argument("--size-mib", type=int, default=5120)
    parser.add_argument("--work", type=Path, default=Path("benchmarks/work/memory"))
    args = parser.parse_args()
    shutil.rmtree(args.work, ignore_errors=True)
    target = SERVERS[args.server].start(args.work / args.server)
    pool = LoadPool(1)
    try:
        session = Session(pool, target, QUICK)
        run(session, args.size_mib << 20, 0)
        print(json.dumps(session.rows, indent=2))
    finally:
        pool.close()
        target.stop()


if __name__ == "__main__":
    main()
