"""A browser form upload (POST Object) acts as its signer: a read-only key's form is
refused, a read-write key's form is accepted."""

from __future__ import annotations

from typing import Any

import requests

READONLY = "arn:aws:iam::aws:policy/readonly"
READWRITE = "arn:aws:iam::aws:policy/readwrite"


def post_form(user: Any, bucket: str, key: str) -> int:
    form = user.s3.generate_presigned_post(Bucket=bucket, Key=key)
    resp = requests.post(form["url"], data=form["fields"], files={"file": ("f.txt", b"hello")})
    return resp.status_code


def test_post_form_follows_the_signer_rights(
    make_user: Any, root_s3: Any, fresh_bucket: str
) -> None:
    reader, writer = make_user(READONLY), make_user(READWRITE)
    assert post_form(reader, fresh_bucket, "by-reader.txt") == 403
    assert post_form(writer, fresh_bucket, "by-writer.txt") in (200, 204)
    keys = [o["Key"] for o in root_s3.list_objects_v2(Bucket=fresh_bucket).get("Contents", [])]
    assert keys == ["by-writer.txt"]
    body = root_s3.get_object(Bucket=fresh_bucket, Key="by-writer.txt")["Body"].read()
    assert body == b"hello"
