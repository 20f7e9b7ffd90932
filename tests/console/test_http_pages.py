"""Bucket settings, deletion and administration pages over HTTP: each form's effect is
checked on the server with boto3."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp

from tests.console.conftest import Console, logged_in, page_csrf


async def post(http: aiohttp.ClientSession, url: str, form: dict[str, Any], token_page: str) -> str:
    """POST a form with the page's CSRF token; the text of the page it leads to."""
    token = await page_csrf(http, token_page)
    async with http.post(url, data={**form, "csrf": token}) as resp:
        assert resp.status == 200, await resp.text()
        return await resp.text()


def test_bucket_settings_forms(console: Console, bucket_name: str) -> None:
    s3 = console.s3()
    s3.create_bucket(Bucket=bucket_name)
    base = f"{console.url}/settings/{bucket_name}"

    async def scenario() -> None:
        async with logged_in(console) as http:
            text = await post(http, f"{base}/versioning", {"status": "Enabled"}, base)
            assert "Versioning enabled" in text
            text = await post(http, f"{base}/quota", {"quota": "10MiB"}, base)
            assert "Quota set to 10MiB" in text
            await post(http, f"{base}/lifecycle", {"prefix": "tmp/", "days": "7"}, base)
            cors = [{"AllowedMethods": ["GET"], "AllowedOrigins": ["https://portal.example"]}]
            await post(http, f"{base}/cors", {"rules": json.dumps(cors)}, base)
            await post(http, f"{base}/tags", {"tags": "project=portail\nowner=data"}, base)
            text = await post(http, f"{base}/policy", {"policy": "{not json"}, base)
            assert "invalid JSON" in text
            async with http.get(base) as page:
                assert page.status == 200
                text = await page.text()
            assert "https://portal.example" in text and "project=portail" in text

    asyncio.run(scenario())
    assert s3.get_bucket_versioning(Bucket=bucket_name)["Status"] == "Enabled"
    rules = s3.get_bucket_lifecycle_configuration(Bucket=bucket_name)["Rules"]
    assert rules[0]["Expiration"]["Days"] == 7 and rules[0]["Filter"]["Prefix"] == "tmp/"
    assert s3.get_bucket_cors(Bucket=bucket_name)["CORSRules"][0]["AllowedMethods"] == ["GET"]
    tags = {t["Key"]: t["Value"] for t in s3.get_bucket_tagging(Bucket=bucket_name)["TagSet"]}
    assert tags == {"project": "portail", "owner": "data"}
    from grenier.client.admin_api import AdminApi
    from grenier.client.config import Alias

    admin = AdminApi(
        Alias("t", console.server.endpoint, console.server.access_key, console.server.secret_key)
    )
    assert admin.get_quota(bucket_name)["quota"] == 10 * 1024 * 1024


def test_delete_a_prefix_and_every_version(console: Console, bucket_name: str) -> None:
    s3 = console.s3()
    s3.create_bucket(Bucket=bucket_name)
    s3.put_bucket_versioning(Bucket=bucket_name, VersioningConfiguration={"Status": "Enabled"})
    for i in range(3):
        s3.put_object(Bucket=bucket_name, Key=f"run/{i}.txt", Body=b"a")
    s3.put_object(Bucket=bucket_name, Key="run/0.txt", Body=b"b")
    s3.put_object(Bucket=bucket_name, Key="keep.txt", Body=b"k")

    async def scenario() -> None:
        async with logged_in(console) as http:
            confirm = f"{console.url}/delete/{bucket_name}?prefix=run/"
            async with http.get(confirm) as page:
                text = await page.text()
            assert "3 objects" in text and "Also delete every old version" in text
            text = await post(
                http,
                f"{console.url}/delete/{bucket_name}",
                {"prefix": "run/", "versions": "on"},
                confirm,
            )
            assert "Deleted 4 objects" in text

    asyncio.run(scenario())
    listed = s3.list_object_versions(Bucket=bucket_name)
    keys = [v["Key"] for v in listed.get("Versions", []) + listed.get("DeleteMarkers", [])]
    assert keys == ["keep.txt"]


def test_policy_editor_and_groups(console: Console) -> None:
    iam = console.server.client("iam")
    doc = {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": ["s3:GetObject"], "Resource": ["arn:aws:s3:::x/*"]}
        ],
    }

    async def scenario() -> None:
        async with logged_in(console) as http:
            listing = f"{console.url}/admin/policies"
            text = await post(http, listing, {"policy": "bad-doc", "document": "{oops"}, listing)
            assert "invalid JSON" in text
            text = await post(
                http, listing, {"policy": "x-reader", "document": json.dumps(doc)}, listing
            )
            assert "Policy x-reader created" in text and "arn:aws:s3:::x/*" in text
            doc["Statement"][0]["Resource"] = ["arn:aws:s3:::y/*"]
            page = f"{listing}/x-reader"
            text = await post(http, f"{page}/update", {"document": json.dumps(doc)}, page)
            assert "Policy x-reader saved" in text
            groups = f"{console.url}/admin/groups"
            text = await post(http, groups, {"group": "scientists", "members": ""}, groups)
            assert "Group scientists created" in text
            group = f"{groups}/scientists"
            text = await post(http, f"{group}/attach", {"policy": "x-reader"}, group)
            async with http.get(page) as resp:
                text = await resp.text()
            assert "scientists" in text  # attached-to summary
            for url in ("/admin/users", "/monitor"):
                async with http.get(console.url + url) as resp:
                    assert resp.status == 200, url

    asyncio.run(scenario())
    arn = next(
        p["Arn"]
        for p in iam.list_policies(Scope="All")["Policies"]
        if p["PolicyName"] == "x-reader"
    )
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    stored = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
    if isinstance(stored, str):
        stored = json.loads(stored)
    assert stored["Statement"][0]["Resource"] == ["arn:aws:s3:::y/*"]
    attached = iam.list_attached_group_policies(GroupName="scientists")["AttachedPolicies"]
    assert [p["PolicyName"] for p in attached] == ["x-reader"]
