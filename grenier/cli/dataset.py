"""`grenier dataset`: write netCDF as Zarr in a bucket, list, describe, verify and delete datasets.

Heavy imports (xarray, zarr, s3fs) happen inside the commands so ``grenier --help`` stays fast.
Every failure is one ``Error: ...`` line and exit status 1.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

MODES = ("create", "overwrite", "append", "region")


class DatasetGroup(click.Group):
    """Turns the data library's user errors into one line and a non-zero exit."""

    def invoke(self, ctx: click.Context) -> Any:
        from botocore.exceptions import BotoCoreError

        from grenier.client.config import AliasError
        from grenier.datasets.paths import DatasetPathError
        from grenier.datasets.store import DatasetChangedError

        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except (AliasError, DatasetPathError, DatasetChangedError, BotoCoreError) as exc:
            raise click.ClickException(str(exc)) from None
        except (OSError, ValueError, KeyError) as exc:
            raise click.ClickException(_one_line(exc)) from None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, PermissionError):
        return f"access denied: {text}"
    if isinstance(exc, FileNotFoundError) and not text.startswith(("No ", "no ")):
        return f"not found: {text}"
    return text


@click.group(cls=DatasetGroup, context_settings={"help_option_names": ["-h", "--help"]})
def dataset() -> None:
    """xarray/Zarr datasets in buckets: put, ls, info, verify, rm."""


anonymous_option = click.option(
    "--anonymous", "-a", is_flag=True, help="Send unsigned requests (public buckets)."
)


@dataset.command("put")
@click.argument("sources", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.argument("target")
@click.option(
    "--chunks", default="", help="Chunk sizes, e.g. time=365,lat=90 (default: automatic)."
)
@click.option("--mode", type=click.Choice(MODES), default="create", show_default=True)
@click.option(
    "--append-dim", default="time", show_default=True, help="Dimension for --mode append."
)
@click.option("--zarr-format", type=click.Choice(["2", "3"]), default="3", show_default=True)
@click.option("--progress/--no-progress", default=None, help="Progress bar (default: on a TTY).")
@click.option(
    "--drop-previous", is_flag=True, help="On overwrite, delete the previous generation at once."
)
def put(
    sources: tuple[Path, ...],
    target: str,
    chunks: str,
    mode: str,
    append_dim: str,
    zarr_format: str,
    progress: bool | None,
    drop_previous: bool,
) -> None:
    """Write netCDF files (combined along time) or a local Zarr store to ALIAS/bucket/path.zarr."""
    import xarray as xr

    from grenier.datasets.chunking import parse_chunks
    from grenier.datasets.write import open_netcdf, write_dataset

    is_zarr = len(sources) == 1 and sources[0].is_dir()
    ds = xr.open_zarr(sources[0]) if is_zarr else open_netcdf([str(s) for s in sources])
    try:
        result = write_dataset(
            ds,
            target,
            mode=mode,  # type: ignore[arg-type]
            chunks=dict(parse_chunks(chunks)) or None,  # type: ignore[arg-type]
            append_dim=append_dim,
            zarr_format=int(zarr_format),  # type: ignore[arg-type]
            progress=sys.stderr.isatty() if progress is None else progress,
            keep_previous=not drop_previous,
        )
    finally:
        ds.close()
    click.echo(
        f"{result.mode}: {result.path} (zarr v{result.zarr_format}, generation {result.generation})"
    )


@dataset.command("ls")
@click.argument("prefix")
@anonymous_option
def ls(prefix: str, anonymous: bool) -> None:
    """List the datasets under ALIAS/bucket[/prefix] with a one-line summary each."""
    from grenier.datasets.catalog import list_datasets

    for summary in list_datasets(prefix, anonymous=anonymous):
        click.echo(summary.one_line())


@dataset.command("info")
@click.argument("target")
@anonymous_option
def info(target: str, anonymous: bool) -> None:
    """Show one dataset: dimensions, arrays, chunks, attributes, stored size."""
    from grenier.datasets.catalog import dataset_info

    for line in dataset_info(target, anonymous=anonymous).lines():
        click.echo(line)


@dataset.command("verify")
@click.argument("target")
@anonymous_option
@click.option("--no-decode", is_flag=True, help="Only check that every chunk is present.")
def verify(target: str, anonymous: bool, no_decode: bool) -> None:
    """Check that every chunk the metadata implies is present and decodes."""
    from grenier.datasets.verify import verify_dataset

    report = verify_dataset(target, anonymous=anonymous, decode=not no_decode)
    for key in report.missing:
        click.echo(f"missing: {key}", err=True)
    for problem in report.corrupt:
        click.echo(f"corrupt: {problem}", err=True)
    click.echo(report.summary())
    if not report.ok:
        raise click.exceptions.Exit(1)


@dataset.command("rm")
@click.argument("target")
@click.option("--force", "-f", "-y", "force", is_flag=True, help="Do not ask for confirmation.")
def rm(target: str, force: bool) -> None:
    """Delete a dataset (every object under ALIAS/bucket/path.zarr)."""
    from grenier.datasets.catalog import dataset_info, delete_dataset

    if not force:
        found = dataset_info(target)
        click.confirm(
            f"Delete {found.path} ({found.objects} objects, {found.stored_bytes} bytes)?",
            abort=True,
        )
    removed = delete_dataset(target)
    click.echo(f"removed: {target} ({removed} objects)")
