"""The console in a real browser: headless Chromium (Debian's ``chromium``) driven by
Playwright. One server and one browser for the module. Screenshots go to a temporary
folder, or to ``GRENIER_SCREENSHOT_DIR`` when set: ``GRENIER_SCREENSHOT_DIR=docs/console``
refreshes the pictures shown in docs/console.md (a plain run leaves the checkout clean)."""

from __future__ import annotations

import hashlib
import http.server
import io
import os
import shutil
import subprocess
import tempfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.console.conftest import Console, start_console

sync_api = pytest.importorskip("playwright.sync_api")  # installed with the test extra
expect = sync_api.expect

CHROMIUM = os.environ.get("GRENIER_CHROMIUM", "/usr/bin/chromium")
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SHOTS = Path(
    os.environ.get("GRENIER_SCREENSHOT_DIR") or tempfile.mkdtemp(prefix="grenier-console-shots-")
)
BUCKET = "portail-ing"
XSS = "<img src=x onerror=alert(1)>"
pytestmark = pytest.mark.xdist_group("console-browser")


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Console]:
    found = start_console(tmp_path_factory.mktemp("browser") / "data")
    s3 = found.s3()
    s3.create_bucket(Bucket=BUCKET)
    s3.put_object(
        Bucket=BUCKET,
        Key="README.txt",
        Body=b"Indicators for the portal.\n",
        ContentType="text/plain",
        Metadata={"owner": "data-team"},
    )
    s3.put_object(Bucket=BUCKET, Key="public/tas-summary.csv", Body=b"year,tas\n2000,287.1\n")
    yield found
    found.server.stop()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/test.sh does)")
    with sync_api.sync_playwright() as playwright:
        found = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield found
        found.close()


def new_page(browser: Any, width: int = 1280) -> Any:
    context = browser.new_context(viewport={"width": width, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.on("dialog", lambda dialog: pytest.fail(f"unexpected dialog: {dialog.message}"))
    return page


def log_in(page: Any, site: Console, access_key: str = "", secret_key: str = "") -> None:
    page.goto(site.url + "/")
    page.get_by_label("Access key").fill(access_key or site.server.access_key)
    page.get_by_label("Secret key").fill(secret_key or site.server.secret_key)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/browser/")


@pytest.fixture(scope="module")
def root(browser: Any, site: Console) -> Iterator[Any]:
    page = new_page(browser)
    log_in(page, site)
    yield page
    page.context.close()


def shot(page: Any, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_login_page_then_buckets(browser: Any, site: Console) -> None:
    page = new_page(browser)
    page.goto(site.url + "/")
    expect(page.get_by_role("heading", name="Log in to Grenier")).to_be_visible()
    shot(page, "login")
    log_in(page, site)
    expect(page.get_by_role("link", name=BUCKET)).to_be_visible()
    shot(page, "buckets")
    page.context.close()


def test_browse_a_prefix(root: Any, site: Console) -> None:
    root.goto(f"{site.url}/browser/{BUCKET}/")
    root.get_by_role("link", name="public/").click()
    root.wait_for_url(f"**/browser/{BUCKET}/public/")
    expect(root.get_by_role("link", name="tas-summary.csv")).to_be_visible()
    root.get_by_role("link", name="tas-summary.csv").click()
    expect(root.locator("dl.facts").get_by_text("20B")).to_be_visible()


def test_upload_in_parts_then_download_identical(root: Any, site: Console, tmp_path: Path) -> None:
    data = os.urandom(17 * 1024 * 1024 + 321)  # three 8 MiB parts
    source = tmp_path / "tasmax_day.nc"
    source.write_bytes(data)
    root.goto(f"{site.url}/browser/{BUCKET}/")
    root.set_input_files("#files", str(source))
    root.locator("#progress li.summary").wait_for(timeout=60_000)
    assert root.locator("#progress li.done").count() == 1, root.locator("#progress").inner_text()
    shot(root, "upload")
    head = site.s3().head_object(Bucket=BUCKET, Key="tasmax_day.nc")
    assert head["ContentLength"] == len(data) and head["ETag"].endswith('-3"')
    root.goto(f"{site.url}/object/{BUCKET}/tasmax_day.nc")
    shot(root, "object")
    with root.expect_download() as download:
        root.get_by_role("link", name="Download").click()
    got = Path(download.value.path()).read_bytes()
    assert hashlib.sha256(got).hexdigest() == hashlib.sha256(data).hexdigest()


def test_failed_upload_resumes_with_the_same_file(root: Any, site: Console, tmp_path: Path) -> None:
    data = os.urandom(16 * 1024 * 1024 + 5)  # three parts
    source = tmp_path / "pr_day.nc"
    source.write_bytes(data)
    root.goto(f"{site.url}/browser/{BUCKET}/")
    root.route("**/part?*partNumber=3", lambda route: route.abort())  # the network drops part 3
    root.set_input_files("#files", str(source))
    root.locator("#progress li.summary").wait_for(timeout=60_000)
    expect(root.locator("#progress li.failed")).to_contain_text("resume")
    root.unroute("**/part?*partNumber=3")
    root.goto(f"{site.url}/browser/{BUCKET}/")
    sent: list[str] = []
    root.on("request", lambda r: sent.append(r.url) if "/part?" in r.url else None)
    root.set_input_files("#files", str(source))
    root.locator("#progress li.summary").wait_for(timeout=60_000)
    expect(root.locator("#progress li.done")).to_contain_text("done")
    assert [u.rsplit("partNumber=", 1)[1] for u in sent] == ["3"]  # parts 1-2 were kept
    got = site.s3().get_object(Bucket=BUCKET, Key="pr_day.nc")["Body"].read()
    assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest()


def test_share_link_works_with_curl(root: Any, site: Console, tmp_path: Path) -> None:
    root.goto(f"{site.url}/object/{BUCKET}/README.txt")
    root.get_by_label("Link valid for").select_option("1h")
    root.get_by_role("button", name="Make a share link").click()
    url = root.locator("#share-url").input_value()
    assert (
        url.startswith(site.server.endpoint + f"/{BUCKET}/README.txt?")
        and "X-Amz-Signature=" in url
    )
    shot(root, "share")
    out = tmp_path / "shared.txt"
    curl = shutil.which("curl")
    assert curl, "curl is needed"
    subprocess.run([curl, "-sS", "--fail", "-o", str(out), url], check=True, timeout=30)
    assert out.read_bytes() == b"Indicators for the portal.\n"


def _anonymous_get(site: Console, key: str) -> int:
    try:
        with urllib.request.urlopen(f"{site.server.endpoint}/{BUCKET}/{key}", timeout=10) as resp:
            return int(resp.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_set_anonymous_download_on_a_prefix(root: Any, site: Console) -> None:
    assert _anonymous_get(site, "public/tas-summary.csv") == 403
    root.goto(f"{site.url}/settings/{BUCKET}")
    section = root.locator("#anonymous")
    section.get_by_label("Prefix (empty: whole bucket)").fill("public/")
    section.get_by_label("Access", exact=True).select_option("download")
    section.get_by_role("button", name="Set").click()
    expect(root.get_by_role("status").filter(has_text="set to download")).to_be_visible()
    expect(root.locator("#anonymous td", has_text=f"{BUCKET}/public/*")).to_be_visible()
    shot(root, "settings")
    assert _anonymous_get(site, "public/tas-summary.csv") == 200
    assert _anonymous_get(site, "README.txt") == 403


def test_create_a_user_and_log_in_as_them(root: Any, browser: Any, site: Console) -> None:
    root.goto(f"{site.url}/admin/users")
    root.get_by_label("Access key (the user's name, as with mc)").fill("reader1")
    root.get_by_label("Secret key (8 characters or more)").fill("reader1-secret")
    root.get_by_label("Policy").select_option("readonly")
    root.get_by_role("button", name="Add user").click()
    root.wait_for_url("**/admin/users/reader1")
    expect(root.get_by_role("link", name="readonly")).to_be_visible()
    shot(root, "user")
    page = new_page(browser)
    log_in(page, site, "reader1", "reader1-secret")
    expect(page.get_by_role("link", name=BUCKET)).to_be_visible()
    assert page.get_by_role("link", name="Users").count() == 0  # no administration
    page.get_by_label("Name").fill("reader-was-here")
    page.get_by_role("button", name="Create").click()
    expect(page.get_by_role("alert").filter(has_text="access denied")).to_be_visible()
    names = [b["Name"] for b in site.s3().list_buckets()["Buckets"]]
    assert "reader-was-here" not in names
    page.goto(f"{site.url}/admin/users")
    expect(page.get_by_role("alert").filter(has_text="access denied")).to_be_visible()
    page.context.close()


@pytest.fixture(scope="module")
def dataset(site: Console) -> str:
    xr = pytest.importorskip("xarray")
    import numpy as np

    from grenier.datasets import write_dataset

    os.environ["GRENIER_HOST_consoletest"] = site.server.env_host()  # noqa: SIM112 - alias name
    time = xr.date_range("2000-01-01", periods=4, freq="D", calendar="noleap", use_cftime=True)
    lat, lon = np.linspace(-60, 60, 30), np.linspace(0, 357, 40)
    tas = 280 + 10 * np.cos(np.deg2rad(lat))[None, :, None] + np.zeros((4, 30, 40))
    ds = xr.Dataset(
        {"tas": (("time", "lat", "lon"), tas.astype("float32"), {"units": "K"})},
        coords={
            "time": time,
            "lat": ("lat", lat, {"units": "degrees_north"}),
            "lon": ("lon", lon, {"units": "degrees_east"}),
        },
        attrs={"title": "Near-surface air temperature"},
    )
    write_dataset(ds, f"consoletest/{BUCKET}/indicators/tas.zarr")
    return "indicators/tas.zarr"


def test_dataset_page_shows_dimensions(root: Any, site: Console, dataset: str) -> None:
    root.goto(f"{site.url}/browser/{BUCKET}/indicators/tas.zarr/")
    root.get_by_role("link", name="Open the dataset page").click()
    root.wait_for_url(f"**/dataset/{BUCKET}/{dataset}")
    dims = root.locator("ul.dims").inner_text()
    assert "time: 4" in dims and "lat: 30" in dims and "lon: 40" in dims
    time_row = root.locator("table.vars tr", has=root.locator("th", has_text="time")).first
    assert "2000-01-01" in time_row.inner_text() and "2000-01-04" in time_row.inner_text()
    assert "noleap" in time_row.inner_text()
    assert "Zarr v3" in root.locator("dl.facts").inner_text()
    assert (
        'open_dataset("grenier/portail-ing/indicators/tas.zarr")'
        in root.locator("#snippet").inner_text()
    )


def test_quicklook_decodes_with_the_right_size(root: Any, site: Console, dataset: str) -> None:
    from PIL import Image

    root.goto(f"{site.url}/dataset/{BUCKET}/{dataset}?var=tas&i.time=2")
    image = root.locator("#quicklook")
    root.wait_for_function(
        "() => { const i = document.getElementById('quicklook'); return i.complete && i.naturalWidth > 0; }",
        timeout=60_000,
    )
    assert image.evaluate("i => [i.naturalWidth, i.naturalHeight]") == [800, 500]
    shot(root, "dataset")
    src = image.get_attribute("src")
    answer = root.context.request.get(site.url + src)
    assert answer.status == 200 and answer.headers["content-type"] == "image/png"
    with Image.open(io.BytesIO(answer.body())) as png:
        assert png.format == "PNG" and png.size == (800, 500)


def test_xss_key_renders_as_text(root: Any, site: Console) -> None:
    site.s3().put_object(Bucket=BUCKET, Key=f"odd/{XSS}", Body=b"x")
    root.goto(f"{site.url}/browser/{BUCKET}/odd/")
    expect(root.get_by_role("link", name=XSS)).to_be_visible()  # the key shows as its text
    assert root.locator("img[src='x']").count() == 0
    root.get_by_role("link", name=XSS).click()
    assert root.locator("h1").inner_text() == f"odd/{XSS}"
    assert root.locator("img[src='x']").count() == 0


class _EvilSite(http.server.BaseHTTPRequestHandler):
    target = ""

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        body = (
            f'<form id="f" method="post" action="{self.target}/buckets">'
            '<input name="bucket" value="made-by-another-site"><input name="csrf" value="guess">'
            '</form><script>document.getElementById("f").submit()</script>'
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_cross_site_post_is_refused(root: Any, site: Console) -> None:
    handler = type("Evil", (_EvilSite,), {"target": site.url})
    evil = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=evil.serve_forever, daemon=True).start()
    try:
        page = root.context.new_page()  # the logged-in browser visits another site
        with page.expect_response(lambda r: r.url == site.url + "/buckets") as answer:
            page.goto(f"http://localhost:{evil.server_address[1]}/")
        assert answer.value.status == 403
        page.close()
    finally:
        evil.shutdown()
    names = [b["Name"] for b in site.s3().list_buckets()["Buckets"]]
    assert "made-by-another-site" not in names


def test_monitoring_and_phone_width(browser: Any, site: Console) -> None:
    page = new_page(browser, width=390)
    log_in(page, site)
    page.goto(f"{site.url}/browser/{BUCKET}/")
    shot(page, "phone-listing")
    page.goto(f"{site.url}/monitor")
    expect(page.locator("#panel-usage td", has_text=BUCKET)).to_be_visible()
    page.set_viewport_size({"width": 1280, "height": 900})
    shot(page, "monitor")
    page.context.close()
