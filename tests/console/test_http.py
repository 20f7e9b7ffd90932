"""The console over plain HTTP (aiohttp client): security headers, cookies, CSRF, origin
checks, login limits, session end, escaping, the upload API."""

from __future__ import annotations

import asyncio
import hashlib
import html
import os
import re
from pathlib import Path

import aiohttp

from tests.console.conftest import (
    Console,
    client,
    csrf_of,
    logged_in,
    login,
    page_csrf,
    start_console,
)

XSS = "<img src=x onerror=alert(1)>"


def test_login_page_is_a_form_with_strict_headers(console: Console) -> None:
    async def scenario() -> None:
        async with client() as http, http.get(console.url + "/") as resp:
            body = await resp.text()
            assert resp.status == 200
            csp = resp.headers["Content-Security-Policy"]
            assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
            assert "unsafe-inline" not in csp
            assert resp.headers["X-Content-Type-Options"] == "nosniff"
            assert resp.headers["X-Frame-Options"] == "DENY"
            assert resp.headers["Cache-Control"] == "no-store"
            for field in ('name="accessKey"', 'name="secretKey"', 'name="csrf"'):
                assert field in body
            assert 'action="/login"' in body and "<script>" not in body
            cookie = resp.headers["Set-Cookie"]
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie

    asyncio.run(scenario())


def test_login_sets_an_opaque_strict_cookie_and_lists_buckets(
    console: Console, bucket_name: str
) -> None:
    console.s3().create_bucket(Bucket=bucket_name)

    async def scenario() -> None:
        async with client() as http:
            resp = await login(
                http, console.url, console.server.access_key, console.server.secret_key
            )
            assert resp.status == 303 and resp.headers["Location"] == "/browser/"
            cookie = resp.headers["Set-Cookie"]
            assert cookie.startswith("grenier_console=")
            assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie
            assert console.server.secret_key not in cookie
            async with http.get(console.url + "/browser/") as page:
                text = await page.text()
                assert page.status == 200 and bucket_name in text
                assert console.server.secret_key not in text

    asyncio.run(scenario())


def test_login_needs_the_form_token(console: Console) -> None:
    async def scenario() -> None:
        async with client() as http:
            creds = {"accessKey": console.server.access_key, "secretKey": console.server.secret_key}
            resp = await http.post(console.url + "/login", data=creds, allow_redirects=False)
            assert resp.status == 403
            await http.get(console.url + "/")  # gets a login cookie
            resp = await http.post(
                console.url + "/login", data={**creds, "csrf": "forged"}, allow_redirects=False
            )
            assert resp.status == 403
            assert "grenier_console=" not in resp.headers.get("Set-Cookie", "")

    asyncio.run(scenario())


def test_wrong_secret_is_refused(console: Console) -> None:
    async def scenario() -> None:
        async with client() as http:
            resp = await login(http, console.url, console.server.access_key, "not-the-secret")
            assert resp.status == 401
            assert "Wrong access key or secret key" in await resp.text()
            async with http.get(console.url + "/browser/", allow_redirects=False) as page:
                assert page.status == 303 and page.headers["Location"].startswith("/?next=")

    asyncio.run(scenario())


def test_state_change_needs_the_session_token(console: Console, bucket_name: str) -> None:
    async def scenario() -> None:
        async with logged_in(console) as http:
            resp = await http.post(
                console.url + "/buckets", data={"bucket": bucket_name}, allow_redirects=False
            )
            assert resp.status == 403 and "CSRF" in await resp.text()
            resp = await http.post(
                console.url + "/buckets",
                data={"bucket": bucket_name, "csrf": "wrong"},
                allow_redirects=False,
            )
            assert resp.status == 403
            names = [b["Name"] for b in console.s3().list_buckets()["Buckets"]]
            assert bucket_name not in names
            token = await page_csrf(http, console.url + "/browser/")
            resp = await http.post(
                console.url + "/buckets",
                data={"bucket": bucket_name, "csrf": token},
                allow_redirects=False,
            )
            assert resp.status == 303
            names = [b["Name"] for b in console.s3().list_buckets()["Buckets"]]
            assert bucket_name in names

    asyncio.run(scenario())


def test_cross_origin_state_change_is_refused(console: Console, bucket_name: str) -> None:
    async def scenario() -> None:
        async with logged_in(console) as http:
            token = await page_csrf(http, console.url + "/browser/")
            form = {"bucket": bucket_name, "csrf": token}
            for headers in (
                {"Origin": "http://evil.example"},
                {"Sec-Fetch-Site": "cross-site"},
                {"Sec-Fetch-Site": "same-site"},
            ):
                resp = await http.post(
                    console.url + "/buckets", data=form, headers=headers, allow_redirects=False
                )
                assert resp.status == 403, headers
            names = [b["Name"] for b in console.s3().list_buckets()["Buckets"]]
            assert bucket_name not in names

    asyncio.run(scenario())


def test_keys_metadata_and_tags_are_escaped(console: Console, bucket_name: str) -> None:
    s3 = console.s3()
    s3.create_bucket(Bucket=bucket_name)
    s3.put_object(
        Bucket=bucket_name,
        Key=XSS,
        Body=b"x",
        Metadata={"note": "<script>alert(2)</script>"},
        Tagging="t=%3Cb%3Ebold%3C%2Fb%3E",
    )

    async def scenario() -> None:
        async with logged_in(console) as http:
            async with http.get(f"{console.url}/browser/{bucket_name}/") as page:
                text = await page.text()
            assert html.escape(XSS, quote=False) in text
            assert XSS not in text
            async with http.get(f"{console.url}/object/{bucket_name}/{XSS}") as page:
                text = await page.text()
            assert page.status == 200
            assert "&lt;script&gt;alert(2)&lt;/script&gt;" in text and "<script>alert" not in text
            assert "t=&lt;b&gt;bold&lt;/b&gt;" in text and "<b>bold" not in text

    asyncio.run(scenario())


def test_logout_ends_the_session_for_good(console: Console) -> None:
    async def scenario() -> None:
        async with logged_in(console) as http:
            token = await page_csrf(http, console.url + "/browser/")
            cookies = {c.key: c.value for c in http.cookie_jar}
            resp = await http.post(
                console.url + "/logout", data={"csrf": token}, allow_redirects=False
            )
            assert resp.status == 303
        async with (
            aiohttp.ClientSession(cookies=cookies) as replay,
            replay.get(console.url + "/browser/", allow_redirects=False) as page,
        ):
            assert page.status == 303  # the old token no longer opens anything

    asyncio.run(scenario())


def test_upload_api_multipart_resume_and_download(console: Console, bucket_name: str) -> None:
    console.s3().create_bucket(Bucket=bucket_name)
    first, second = os.urandom(5 * 1024 * 1024), os.urandom(1234)
    key = "dir/big file.bin"

    async def scenario() -> None:
        async with logged_in(console) as http:
            token = await page_csrf(http, f"{console.url}/browser/{bucket_name}/")
            headers = {"X-CSRF-Token": token}
            base = f"{console.url}/api/upload/{bucket_name}"
            async with http.post(f"{base}/create", json={"key": key}, headers=headers) as resp:
                upload_id = (await resp.json())["uploadId"]
            query = {"key": key, "uploadId": upload_id, "partNumber": "1"}
            async with http.put(f"{base}/part", params=query, data=first, headers=headers) as resp:
                assert resp.status == 200
                etag1 = (await resp.json())["etag"]
            # a page reload later: the parts already there are listed for the resume
            async with http.get(
                f"{base}/parts", params={"key": key, "uploadId": upload_id}
            ) as resp:
                parts = (await resp.json())["parts"]
            assert parts == [{"partNumber": 1, "etag": etag1, "size": len(first)}]
            query["partNumber"] = "2"
            async with http.put(f"{base}/part", params=query, data=second, headers=headers) as resp:
                etag2 = (await resp.json())["etag"]
            done = {
                "key": key,
                "uploadId": upload_id,
                "parts": [{"partNumber": 1, "etag": etag1}, {"partNumber": 2, "etag": etag2}],
            }
            async with http.post(f"{base}/complete", json=done, headers=headers) as resp:
                assert resp.status == 200, await resp.text()
            async with http.get(f"{console.url}/download/{bucket_name}/{key}") as resp:
                body = await resp.read()
                assert (
                    resp.headers["Content-Disposition"]
                    == "attachment; filename*=UTF-8''big%20file.bin"
                )
            assert hashlib.sha256(body).digest() == hashlib.sha256(first + second).digest()

    asyncio.run(scenario())
    head = console.s3().head_object(Bucket=bucket_name, Key=key)
    assert head["ETag"].endswith('-2"') and head["ContentLength"] == 5 * 1024 * 1024 + 1234


def test_upload_api_refuses_without_token(console: Console, bucket_name: str) -> None:
    console.s3().create_bucket(Bucket=bucket_name)

    async def scenario() -> None:
        async with logged_in(console) as http:
            resp = await http.put(
                f"{console.url}/api/upload/{bucket_name}/object", params={"key": "k"}, data=b"x"
            )
            assert resp.status == 403

    asyncio.run(scenario())
    assert console.s3().list_objects_v2(Bucket=bucket_name).get("KeyCount") == 0


def test_login_is_rate_limited(tmp_path: Path) -> None:
    found = start_console(tmp_path / "data", env={"GRENIER_CONSOLE_LOGIN_FAILURES": "3"})
    try:

        async def scenario() -> None:
            async with client() as http:
                for _ in range(3):
                    resp = await login(http, found.url, found.server.access_key, "wrong-secret")
                    assert resp.status == 401
                resp = await login(
                    http, found.url, found.server.access_key, found.server.secret_key
                )
                assert resp.status == 429
                assert int(resp.headers["Retry-After"]) > 0
                assert "grenier_console=" not in resp.headers.get("Set-Cookie", "")

        asyncio.run(scenario())
    finally:
        found.server.stop()


def test_idle_session_expires(tmp_path: Path) -> None:
    found = start_console(tmp_path / "data", env={"GRENIER_CONSOLE_SESSION_IDLE": "5"})
    try:

        async def scenario() -> None:
            async with logged_in(found) as http:
                async with http.get(found.url + "/browser/", allow_redirects=False) as page:
                    assert page.status == 200
                await asyncio.sleep(6)  # longer than the idle limit (a lower bound only)
                async with http.get(found.url + "/browser/", allow_redirects=False) as page:
                    assert page.status == 303 and page.headers["Location"] == "/?next=/browser/"

        asyncio.run(scenario())
    finally:
        found.server.stop()


def test_next_after_login_stays_on_site(console: Console) -> None:
    async def scenario() -> None:
        async with client() as http:
            async with http.get(console.url + "/?next=//evil.example/x") as page:
                text = await page.text()
            token = csrf_of(text)
            assert 'value="/browser/"' in text
            resp = await http.post(
                console.url + "/login",
                data={
                    "accessKey": console.server.access_key,
                    "secretKey": console.server.secret_key,
                    "csrf": token,
                    "next": "https://evil.example/",
                },
                allow_redirects=False,
            )
            assert resp.headers["Location"] == "/browser/"

    asyncio.run(scenario())


def test_listing_pages_follow_continuation_tokens(tmp_path: Path) -> None:
    found = start_console(tmp_path / "data", env={"GRENIER_CONSOLE_PAGE_SIZE": "3"})
    keys = [f"k{i:02d}" for i in range(7)]
    try:
        s3 = found.s3()
        s3.create_bucket(Bucket="pages")
        for key in keys:
            s3.put_object(Bucket="pages", Key=key, Body=b"x")
        s3.put_object(Bucket="pages", Key="sub/inner", Body=b"x")

        async def scenario() -> list[str]:
            seen: list[str] = []
            url = "/browser/pages/"
            async with logged_in(found) as http:
                for _ in range(10):
                    async with http.get(found.url + url) as page:
                        text = await page.text()
                    seen += re.findall(r'href="/object/pages/([^"]+)"', text)
                    seen += re.findall(r'href="/browser/pages/(sub/)"', text)
                    following = re.search(r'href="([^"]+)" rel="next"', text)
                    if following is None:
                        return seen
                    url = html.unescape(following.group(1))
            raise AssertionError("no last page")

        assert asyncio.run(scenario()) == [*keys, "sub/"]
    finally:
        found.server.stop()
