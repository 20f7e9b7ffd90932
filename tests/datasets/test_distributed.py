"""A dask.distributed LocalCluster writes the chunks in parallel (2 small workers)."""

from __future__ import annotations

import numpy as np
import xarray as xr
from distributed import Client, LocalCluster, get_task_stream

from grenier.datasets import open_dataset, write_dataset
from tests.datasets.conftest import Place, cf_dataset


def test_local_cluster_write(place: Place) -> None:
    ds = cf_dataset(periods=64)
    target = place.path("distributed.zarr")
    cluster = LocalCluster(
        n_workers=2,
        threads_per_worker=2,
        processes=True,
        memory_limit="512MiB",
        dashboard_address=None,
        silence_logs=40,
    )
    try:
        with Client(cluster) as client:
            with get_task_stream(client) as stream:
                write_dataset(ds.chunk({"time": 8}), target, chunks={"time": 8})
            workers = {task["worker"] for task in stream.data}
            assert workers and workers <= set(client.scheduler_info()["workers"])
            back = open_dataset(target)
            total = float(back.tas.sum().compute())  # read on the workers too
    finally:
        cluster.close()
    xr.testing.assert_identical(open_dataset(target).compute(), ds)
    np.testing.assert_allclose(total, float(ds.tas.sum()), rtol=1e-5)
    assert len([k for k in place.keys("distributed.zarr/tas/") if "zarr.json" not in k]) == 8
