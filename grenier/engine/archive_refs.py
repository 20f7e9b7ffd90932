"""References of one netCDF/HDF5 file: which byte range of the file each Zarr chunk is.

Built with kerchunk 0.2.10 (``SingleHdf5ToZarr`` for netCDF4/HDF5, ``NetCDF3ToZarr`` for
netCDF3 classic and 64-bit offset files), the reference format every virtual-Zarr tool
reads, then made to decode exactly as ``xr.open_dataset`` does the file:

* HDF5: a variable without a ``_FillValue`` attribute keeps its raw value where no chunk
  was ever written (netCDF's default fill, unmasked): the Zarr ``fill_value`` is cleared
  (xarray would mask it) and each missing chunk is served as an inline chunk of that
  value, encoded with the variable's own codecs;
* netCDF3: kerchunk writes every attribute as a string; they are read again with scipy
  and kept with their types; ``_FillValue`` becomes the Zarr fill value, ``missing_value``
  stays an attribute (xarray masks both, as it does for the file).

Only chunks Zarr v2 readers decode without plugins are served: uncompressed, zlib
(deflate) with or without shuffle, and kerchunk's inline UTF-8 strings. Any other codec
(szip, lzf, blosc, zstd, bitshuffle, scale-offset...) raises :class:`Unsupported` with the
variable named. Files are handed to the libraries as ``/proc/self/fd/N`` of a descriptor
opened by :func:`grenier.engine.archive_paths.open_file` (never by a path), and the
references name the archive key instead once built.
"""

from __future__ import annotations

import io
import itertools
import json
import math
import os
from typing import Any

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
HDF5_OFFSETS = (0, 512, 1024, 2048, 4096)  # a user block shifts the superblock
INLINE = 100  # chunks smaller than this many bytes are kept in the references
ALLOWED_CODECS = frozenset({"zlib", "shuffle", "vlen-utf8"})
MAX_FILL_CHUNKS = 100_000
POLICY = (
    "virtual Zarr serves uncompressed, zlib (deflate) and shuffle chunks only; "
    "read the file itself instead"
)
EXTRA_HINT = "virtual Zarr needs the server's 'archive' extra: pip install 'grenier[archive]'"

Refs = dict[str, Any]  # key -> JSON text (str), inline bytes, or [url, offset, length]


class Unsupported(Exception):
    """This file cannot be served as virtual Zarr (the message says why)."""


class NotVirtual(Exception):
    """Not a netCDF/HDF5 file: it has no virtual Zarr store."""


def file_format(fd: int) -> str:
    """``hdf5`` or ``netcdf3`` from the signature; :class:`NotVirtual` otherwise."""
    head = os.pread(fd, 8, 0)
    if head[:4] in (b"CDF\x01", b"CDF\x02"):
        return "netcdf3"
    if head[:4] == b"CDF\x05":
        raise Unsupported("CDF-5 (64-bit data) netCDF files are not supported")
    for offset in HDF5_OFFSETS:
        if os.pread(fd, 8, offset) == HDF5_MAGIC:
            return "hdf5"
    raise NotVirtual


def build(fd: int, size: int, key: str) -> Refs:
    """The references of the open file ``fd`` (the archive file ``key``), checked and
    made exact; chunk references name ``key``."""
    kind = file_format(fd)
    url = f"/proc/self/fd/{fd}"
    try:
        refs = _hdf5(fd, url) if kind == "hdf5" else _netcdf3(fd, url)
    except ImportError as exc:
        raise ImportError(EXTRA_HINT) from exc
    except (Unsupported, NotVirtual):
        raise
    except Exception as exc:  # noqa: BLE001 - any library refusal is "cannot serve this"
        raise Unsupported(f"{exc} ({type(exc).__name__}); {POLICY}") from exc
    check_codecs(refs)
    return rename_urls(refs, {url: key}, {key: size})


def rename_urls(refs: Refs, names: dict[str, str], sizes: dict[str, int]) -> Refs:
    """References with each url replaced by its name (``[url]`` whole-file references
    become explicit ranges)."""
    out: Refs = {}
    for k, v in refs.items():
        if isinstance(v, list):
            name = str(names.get(v[0], v[0]))
            v = [name, 0, sizes[name]] if len(v) == 1 else [name, int(v[1]), int(v[2])]
        out[k] = v
    return out


def check_codecs(refs: Refs) -> None:
    for key, value in refs.items():
        if not key.endswith(".zarray"):
            continue
        meta = json.loads(value)
        codecs = list(meta.get("filters") or [])
        if meta.get("compressor"):
            codecs.append(meta["compressor"])
        for codec in codecs:
            if codec.get("id") not in ALLOWED_CODECS:
                raise Unsupported(
                    f"variable {key[: -len('/.zarray')] or '/'} uses the {codec.get('id')} "
                    f"codec; {POLICY}"
                )


# -- HDF5 / netCDF4 -------------------------------------------------------------------------


def _hdf5(fd: int, url: str) -> Refs:
    import kerchunk.hdf

    with io.FileIO(os.dup(fd), "rb") as raw, io.BufferedReader(raw) as fobj:
        translator = kerchunk.hdf.SingleHdf5ToZarr(
            fobj, url=url, error="raise", inline_threshold=INLINE
        )
        try:
            refs: Refs = translator.translate()["refs"]
            _hdf5_fill_values(refs, translator._h5f)
        finally:
            translator.close()
    return refs


def _hdf5_fill_values(refs: Refs, h5file: Any) -> None:
    """Where netCDF has no ``_FillValue``, unwritten chunks hold the raw HDF5 fill value,
    unmasked: clear the Zarr fill value and serve those chunks inline."""
    for zkey in [k for k in refs if k.endswith(".zarray")]:
        path = zkey[: -len("/.zarray")]
        try:
            dataset = h5file[path]
        except KeyError:
            continue
        if "_FillValue" in dataset.attrs or dataset.dtype.kind not in "biuf":
            continue
        meta = json.loads(refs[zkey])
        missing = _missing_chunks(refs, path, meta)
        if missing is None:
            continue  # too sparse to materialise: keep kerchunk's fill value
        meta["fill_value"] = None
        refs[zkey] = json.dumps(meta)
        if missing:
            chunk = _encoded_fill(meta, dataset.fillvalue)
            for key in missing:
                refs[key] = chunk


def _missing_chunks(refs: Refs, path: str, meta: dict[str, Any]) -> list[str] | None:
    shape, chunks = meta["shape"], meta["chunks"]
    if any(s == 0 for s in shape):
        return []
    grid = [range(math.ceil(s / c)) for s, c in zip(shape, chunks, strict=True)]
    if math.prod(len(r) for r in grid) > MAX_FILL_CHUNKS:
        return None
    sep = meta.get("dimension_separator") or "."
    keys = (f"{path}/{sep.join(map(str, idx)) or '0'}" for idx in itertools.product(*grid))
    return [k for k in keys if k not in refs]


def _encoded_fill(meta: dict[str, Any], value: Any) -> bytes:
    import numcodecs
    import numpy as np
    from numcodecs.compat import ensure_bytes

    arr = np.full(tuple(meta["chunks"]), value, dtype=np.dtype(meta["dtype"]))
    data: Any = arr.tobytes(order=meta.get("order") or "C")
    for config in meta.get("filters") or []:
        data = numcodecs.get_codec(dict(config)).encode(data)
    if meta.get("compressor"):
        data = numcodecs.get_codec(dict(meta["compressor"])).encode(data)
    return bytes(ensure_bytes(data))


# -- netCDF3 ----------------------------------------------------------------------------------


def _netcdf3(fd: int, url: str) -> Refs:
    from kerchunk.netCDF3 import NetCDF3ToZarr
    from scipy.io import netcdf_file

    translator = NetCDF3ToZarr(url, inline_threshold=0)
    try:
        refs: Refs = translator.translate()["refs"]
    finally:
        translator.fp.close()
    with io.FileIO(os.dup(fd), "rb") as raw, netcdf_file(raw, "r", mmap=False) as plain:
        _netcdf3_attributes(refs, plain)
    return refs


def _netcdf3_attributes(refs: Refs, nc: Any) -> None:
    """Attributes as the file has them (kerchunk stringifies them), ``_FillValue`` as the
    Zarr fill value."""
    refs[".zattrs"] = json.dumps({k: _attr(v) for k, v in nc._attributes.items()})
    for name, var in nc.variables.items():
        if f"{name}/.zarray" not in refs:
            continue
        attrs = {k: _attr(v) for k, v in var._attributes.items() if k != "_FillValue"}
        attrs["_ARRAY_DIMENSIONS"] = list(var.dimensions)
        refs[f"{name}/.zattrs"] = json.dumps(attrs)
        meta = json.loads(refs[f"{name}/.zarray"])
        fill = var._attributes.get("_FillValue")
        meta["fill_value"] = None if fill is None else _fill_json(_attr(fill))
        refs[f"{name}/.zarray"] = json.dumps(meta)


def _attr(value: Any) -> Any:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if hasattr(value, "tolist"):
        value = value.tolist()
        if isinstance(value, list) and len(value) == 1:
            return value[0]
    return value


def _fill_json(value: Any) -> Any:
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
    return value
