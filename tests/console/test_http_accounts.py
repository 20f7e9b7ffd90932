"""The console's Accounts page: the server's root adds, disables, enables and removes an
account; the effect is checked with boto3; nobody else sees the page."""

from __future__ import annotations

import asyncio
import re

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.console.conftest import Console, logged_in
from tests.console.test_http_pages import post


def test_accounts_page(console: Console) -> None:
    listing = f"{console.url}/admin/accounts"
    found: dict[str, str] = {}

    async def add() -> None:
        async with logged_in(console) as http:
            async with http.get(f"{console.url}/browser/") as resp:
                assert 'href="/admin/accounts"' in await resp.text()
            text = await post(http, listing, {"account": "tenant-a", "email": "a@example.org"}, listing)  # fmt: skip
            assert "Account tenant-a created" in text and "shown once" in text
            match = re.search(r"key is (\S+) with secret (\S+) \(shown once", text)
            assert match
            found["key"], found["secret"] = match.group(1), match.group(2)
            assert "a@example.org" in text and "No buckets." in text

    asyncio.run(add())
    s3 = boto3.client(
        "s3",
        endpoint_url=console.server.endpoint,
        aws_access_key_id=found["key"],
        aws_secret_access_key=found["secret"],
        region_name="us-east-1",
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )
    s3.create_bucket(Bucket="tenant-a-data")
    page = f"{listing}/tenant-a"

    async def manage() -> None:
        async with logged_in(console) as http:
            async with http.get(page) as resp:
                assert "tenant-a-data" in await resp.text()
            text = await post(http, f"{page}/status", {"accountStatus": "disabled"}, page)
            assert "Account tenant-a disabled" in text

    asyncio.run(manage())
    try:
        s3.list_buckets()
        raise AssertionError("a disabled account's keys must stop working")
    except ClientError as exc:
        assert exc.response["Error"]["Code"] == "InvalidAccessKeyId"

    async def enable_and_remove() -> None:
        async with logged_in(console) as http:
            await post(http, f"{page}/status", {"accountStatus": "enabled"}, page)
            text = await post(http, f"{page}/delete", {}, page)
            assert "DeleteConflict" in text  # it still owns a bucket
        s3.delete_bucket(Bucket="tenant-a-data")
        async with logged_in(console) as http:
            text = await post(http, f"{page}/delete", {}, page)
            assert "Account tenant-a removed" in text

    asyncio.run(enable_and_remove())


def test_accounts_page_is_root_only(console: Console) -> None:
    from grenier.client.admin_api import AdminApi
    from grenier.client.config import Alias

    server = console.server
    doc = AdminApi(Alias("c", server.endpoint, server.access_key, server.secret_key)).add_account("tenant-b")  # fmt: skip

    async def scenario() -> None:
        async with logged_in(console, doc["accessKey"], doc["secretKey"]) as http:
            async with http.get(f"{console.url}/browser/") as resp:
                assert 'href="/admin/accounts"' not in await resp.text()
            async with http.get(f"{console.url}/admin/accounts") as resp:
                assert "access denied" in (await resp.text()).lower()

    asyncio.run(scenario())
