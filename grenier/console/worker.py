"""The dataset worker process (see ``worker_pool``): opens a Zarr store or a netCDF object
with xarray, through s3fs signed with the user's keys, and answers one task at a time:

* ``ranges``: each coordinate's range, times decoded with their calendar (cftime for the
  non-standard ones, as xarray decodes them);
* ``describe``: a netCDF object's header (dimensions, variables, encodings, attributes)
  plus the ranges; HDF5-based files are read with h5netcdf by ranged GETs, so only the
  header blocks travel;
* ``quicklook``: a 800x500 PNG of one 2-D slice (the last two dimensions; an index along
  the others), refused before any read when its chunks would decode to more than
  ``max_bytes``.

Needs the ``data`` extra (xarray, zarr, s3fs, h5netcdf, cftime) and matplotlib; without
them every task answers which extra to install.
"""

from __future__ import annotations

import io
import json
import math
import struct
import sys
from collections.abc import Callable
from typing import Any

_LEN = struct.Struct(">I")
NETCDF3_MAX = 256 * 1024**2  # scipy reads a netCDF-3 file whole
FULL_RANGE_MAX = 1_000_000  # coordinates up to this size are scanned for min/max
MAX_SIDE = 1500  # pixels of data per axis before striding
FIGURE = (8, 5)  # inches at 100 dpi: 800x500 PNG
MISSING = "needs the data extra: pip install 'grenier[data]' ({name} is not installed)"


def _plain(value: Any) -> Any:
    """Attributes as JSON: numpy scalars and arrays to Python, bytes to text."""
    if hasattr(value, "tolist"):
        value = value.tolist()
    if isinstance(value, bytes):
        return value.decode(errors="replace")
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def _label(value: Any) -> str:
    import numpy as np

    if isinstance(value, np.ndarray):
        value = value[()] if value.ndim == 0 else value
    if isinstance(value, np.datetime64):
        return str(np.datetime_as_string(value, unit="s"))
    if hasattr(value, "calendar") and hasattr(value, "isoformat"):  # cftime
        return str(value.isoformat(sep=" "))
    if isinstance(value, float | np.floating):
        return f"{float(value):.6g}"
    return str(_plain(value))


def _storage_options(task: dict[str, Any]) -> dict[str, Any]:
    from grenier.client.config import Alias
    from grenier.datasets.fs import storage_options

    alias = Alias(
        "console", task["endpoint"], task["access_key"], task["secret_key"], task["region"]
    )
    return storage_options(alias)


class Opened:
    """The dataset (and the file it reads from, for netCDF), closed after the task."""

    def __init__(self, task: dict[str, Any]) -> None:
        import xarray as xr

        options = _storage_options(task)
        path = f"{task['bucket']}/{task['key']}"
        self.file: Any = None
        if task["kind"] == "zarr":
            from grenier.datasets.store import quiet_consolidated

            with quiet_consolidated():
                self.ds = xr.open_zarr(f"s3://{path}", storage_options=options, chunks=None)
            self.kind = "zarr"
            return
        import s3fs

        fs = s3fs.S3FileSystem(**options)
        self.file = fs.open(path, "rb", block_size=512 * 1024)
        magic = self.file.read(4)
        self.file.seek(0)
        if magic[:3] == b"CDF":
            if self.file.size > NETCDF3_MAX:
                raise ValueError(
                    "netCDF-3 file larger than 256 MiB: its header cannot be read alone"
                )
            self.kind, engine = "netCDF-3", "scipy"
        else:
            self.kind, engine = "netCDF-4/HDF5", "h5netcdf"
        self.ds = xr.open_dataset(self.file, engine=engine, chunks=None)

    def close(self) -> None:
        self.ds.close()
        if self.file is not None:
            self.file.close()


def ranges(ds: Any) -> dict[str, Any]:
    import numpy as np

    out: dict[str, Any] = {}
    for name, coord in ds.coords.items():
        if coord.size == 0:
            continue
        if coord.size <= FULL_RANGE_MAX:
            values = np.asarray(coord.values).ravel()
            if values.dtype.kind == "f":
                values = values[~np.isnan(values)]
            if values.size == 0:
                continue
            low, high = values.min(), values.max()
        else:
            first, last = (0,) * coord.ndim, (-1,) * coord.ndim
            low, high = coord.values[first], coord.values[last]
        out[str(name)] = {
            "min": _label(low),
            "max": _label(high),
            "size": int(coord.size),
            "units": _plain(coord.attrs.get("units") or coord.encoding.get("units")),
            "calendar": _plain(coord.encoding.get("calendar") or coord.attrs.get("calendar")),
        }
    return out


def _codecs(encoding: dict[str, Any]) -> list[str]:
    codecs = []
    if encoding.get("compression") or encoding.get("zlib"):
        name = encoding.get("compression") or "zlib"
        level = encoding.get("compression_opts") or encoding.get("complevel")
        codecs.append(f"{name}(level={level})" if level is not None else str(name))
    for flag in ("shuffle", "fletcher32"):
        if encoding.get(flag):
            codecs.append(flag)
    return codecs


def describe(opened: Opened) -> dict[str, Any]:
    from grenier.console.zarrmeta import describe as split

    variables = []
    for name, var in opened.ds.variables.items():
        enc = var.encoding
        attrs = {k: _plain(v) for k, v in var.attrs.items()}
        for moved in ("units", "calendar"):  # decoded times keep these in the encoding
            if moved in enc and moved not in attrs:
                attrs[moved] = _plain(enc[moved])
        chunks = enc.get("chunksizes") or enc.get("chunks")
        variables.append(
            {
                "name": str(name),
                "dims": [str(d) for d in var.dims],
                "shape": [int(n) for n in var.shape],
                "dtype": str(enc.get("dtype", var.dtype)),
                "chunks": [int(c) for c in chunks] if chunks else None,
                "codecs": _codecs(enc),
                "fill_value": _plain(enc.get("_FillValue")),
                "attrs": attrs,
            }
        )
    attrs = {k: _plain(v) for k, v in opened.ds.attrs.items()}
    return split(opened.kind, None, attrs, variables)


def read_estimate(var: Any, selection: dict[str, int]) -> int:
    """Bytes decoded to read ``selection`` (whole chunks along every dimension)."""
    chunks = var.encoding.get("chunks") or var.encoding.get("chunksizes") or var.shape
    total = var.dtype.itemsize
    for dim, size, chunk in zip(var.dims, var.shape, chunks, strict=False):
        chunk = max(1, min(int(chunk), size))
        total *= chunk if dim in selection else math.ceil(size / chunk) * chunk
    return int(total)


def _selection(var: Any, index: dict[str, Any]) -> dict[str, int]:
    selection = {}
    for dim, size in zip(var.dims[:-2], var.shape[:-2], strict=True):
        i = int(index.get(dim, 0))
        if not -size <= i < size:
            raise ValueError(f"index {i} is outside {dim} (0..{size - 1})")
        selection[str(dim)] = i
    return selection


def quicklook(opened: Opened, task: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    name = task["variable"]
    if name not in opened.ds.data_vars:
        raise ValueError(f"no data variable {name!r}")
    var = opened.ds[name]
    if var.ndim < 2:
        raise ValueError(f"{name} has {var.ndim} dimension(s): a quick-look needs 2")
    selection = _selection(var, task.get("index") or {})
    need = read_estimate(var, selection)
    if need > int(task["max_bytes"]):
        raise ValueError(
            f"this slice would decode {need / 2**20:.0f} MiB of chunks "
            f"(limit {int(task['max_bytes']) / 2**20:.0f} MiB)"
        )
    plane = var.isel(selection)
    values = np.asarray(plane.values, dtype="float64")
    ydim, xdim = plane.dims
    ystep, xstep = (max(1, math.ceil(n / MAX_SIDE)) for n in values.shape)
    values = values[::ystep, ::xstep]
    fig = Figure(figsize=FIGURE, dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    x, y = plane.coords.get(xdim), plane.coords.get(ydim)
    numeric = all(c is not None and c.ndim == 1 and c.dtype.kind in "iuf" for c in (x, y))
    masked = np.ma.masked_invalid(values)
    image: Any
    if numeric:
        image = ax.pcolormesh(
            np.asarray(x)[::xstep], np.asarray(y)[::ystep], masked, shading="auto"
        )
    else:
        image = ax.imshow(masked, origin="lower", aspect="auto")
    ax.set_xlabel(str(xdim))
    ax.set_ylabel(str(ydim))
    where = ", ".join(
        f"{d}={_label(plane.coords[d].values) if d in plane.coords else i}"
        for d, i in selection.items()
    )
    ax.set_title(f"{name}" + (f" ({where})" if where else ""), fontsize=10)
    fig.colorbar(image, ax=ax, label=str(var.attrs.get("units", "")))
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=100)
    width, height = (int(v * 100) for v in FIGURE)
    return {
        "width": width,
        "height": height,
        "selection": selection,
        "estimate": need,
    }, buffer.getvalue()


def run(task: dict[str, Any]) -> tuple[dict[str, Any], bytes]:
    opened = Opened(task)
    try:
        if task["task"] == "ranges":
            return {"ranges": ranges(opened.ds)}, b""
        if task["task"] == "describe":
            return {"description": describe(opened), "ranges": ranges(opened.ds)}, b""
        if task["task"] == "quicklook":
            return quicklook(opened, task)
        raise ValueError(f"unknown task {task['task']!r}")
    finally:
        opened.close()


def answer(
    task: dict[str, Any], work: Callable[[dict[str, Any]], tuple[dict[str, Any], bytes]]
) -> tuple[dict[str, Any], bytes]:
    try:
        return work(task)
    except ImportError as exc:
        return {"error": MISSING.format(name=exc.name or "a module")}, b""
    except MemoryError:
        return {"error": "out of memory (the worker's heap is limited)"}, b""
    except FileNotFoundError:
        return {"error": "not found (or not readable with your keys)"}, b""
    except PermissionError:
        return {"error": "access denied"}, b""
    except Exception as exc:  # noqa: BLE001 - one line for the page, the worker lives on
        return {"error": f"{type(exc).__name__}: {exc}".splitlines()[0][:500]}, b""


def _limit_heap(limit: int) -> None:
    if limit > 0:
        import resource

        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))


def main(argv: list[str]) -> int:
    _limit_heap(int(argv[1]) if len(argv) > 1 else 0)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # a library's print must not corrupt the frames
    while True:
        head = stdin.read(4)
        if len(head) < 4:
            return 0
        task = json.loads(stdin.read(_LEN.unpack(head)[0]))
        reply, blob = answer(task, run)
        body = json.dumps(reply).encode()
        stdout.write(_LEN.pack(len(body)) + body + _LEN.pack(len(blob)) + blob)
        stdout.flush()


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
