"""SigV2 against the examples of AWS's "Signing and Authenticating REST Requests" page."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import pytest

from grenier.s3.auth import RequestView, authenticate
from grenier.s3.errors import S3Error
from tests.unit.auth_helpers import AK, view

VHOST = {"host": "johnsmith.s3.amazonaws.com"}
EXAMPLES = [
    # (method, target, headers, virtual-hosted bucket, signature)
    ("GET", "/photos/puppy.jpg", {"date": "Tue, 27 Mar 2007 19:36:42 +0000"}, "johnsmith",
     "bWq2s1WEIj+Ydj0vQ697zp+IXMU="),
    ("PUT", "/photos/puppy.jpg",
     {"date": "Tue, 27 Mar 2007 21:15:45 +0000", "content-type": "image/jpeg",
      "content-length": "94328"}, "johnsmith", "MyyxeRY7whkBe+bq8fHCL/2kKUg="),
    ("GET", "/?prefix=photos&max-keys=50&marker=puppy",
     {"date": "Tue, 27 Mar 2007 19:42:41 +0000", "user-agent": "Mozilla/5.0"}, "johnsmith",
     "htDYFYduRNen8P9ZfE/s9SuKy0U="),
    ("GET", "/?acl", {"date": "Tue, 27 Mar 2007 19:44:46 +0000"}, "johnsmith",
     "c2WLPFtWHVgbEmeEG93a4cG37dM="),
    ("DELETE", "/johnsmith/photos/puppy.jpg",
     {"date": "Tue, 27 Mar 2007 21:20:27 +0000", "x-amz-date": "Tue, 27 Mar 2007 21:20:26 +0000",
      "user-agent": "dotnet", "host": "s3.amazonaws.com"}, None, "lx3byBScXR6KzyMaifNkardMwNk="),
]  # fmt: skip


def request(example: tuple[str, str, dict[str, str], str | None, str]) -> RequestView:
    method, target, headers, bucket, signature = example
    req = view(method, target, {**VHOST, **headers, "authorization": f"AWS {AK}:{signature}"})
    return RequestView(req.method, req.raw_path, req.raw_query, req.headers, vhost_bucket=bucket)


def at(example: tuple[str, str, dict[str, str], str | None, str]) -> datetime:
    return parsedate_to_datetime(example[2]["date"]).astimezone(UTC)


def secret_for(access_key: str) -> str | None:
    return "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" if access_key == AK else None


@pytest.mark.parametrize("example", EXAMPLES, ids=[e[0] + e[1] for e in EXAMPLES])
def test_documented_sigv2_examples_verify(
    example: tuple[str, str, dict[str, str], str | None, str],
) -> None:
    ctx = authenticate(request(example), secret_for, region="us-east-1", now=at(example))
    assert (ctx.access_key, ctx.scheme) == (AK, "sigv2")


@pytest.mark.parametrize("example", EXAMPLES, ids=[e[0] + e[1] for e in EXAMPLES])
def test_documented_sigv2_examples_reject_another_path(
    example: tuple[str, str, dict[str, str], str | None, str],
) -> None:
    req = request(example)
    moved = RequestView(
        req.method, req.raw_path + "2", req.raw_query, req.headers, req.vhost_bucket
    )
    with pytest.raises(S3Error) as err:
        authenticate(moved, secret_for, region="us-east-1", now=at(example))
    assert err.value.code == "SignatureDoesNotMatch"


def test_sigv2_date_outside_15_minutes_is_skewed() -> None:
    example = EXAMPLES[0]
    with pytest.raises(S3Error) as err:
        authenticate(request(example), secret_for, region="us-east-1", now=datetime.now(UTC))
    assert err.value.code == "RequestTimeTooSkewed"
