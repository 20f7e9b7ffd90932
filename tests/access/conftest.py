"""Access-control tests: real users made through the IAM API of the session server.

Every test names its own users and buckets, so they share the one ``grenier`` server.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.servers import GrenierServer

READONLY = "arn:aws:iam::aws:policy/readonly"
READWRITE = "arn:aws:iam::aws:policy/readwrite"
WRITEONLY = "arn:aws:iam::aws:policy/writeonly"


def uid(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def s3_client(endpoint: str, access_key: str | None, secret_key: str | None) -> Any:
    import botocore

    kwargs: dict[str, Any] = {"s3": {"addressing_style": "path"}, "retries": {"max_attempts": 1}}
    if access_key is None:
        kwargs["signature_version"] = botocore.UNSIGNED
    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name="us-east-1",
        config=Config(**kwargs),
    )


@dataclass
class User:
    name: str
    access_key: str
    secret_key: str
    s3: Any


def outcome(call: Any) -> int:
    """200 when the call succeeds; 403 when refused; any other status as is."""
    try:
        call()
    except ClientError as exc:
        code = exc.response["Error"]["Code"]
        status = int(exc.response["ResponseMetadata"]["HTTPStatusCode"])
        if status == 403:
            assert code in ("AccessDenied", "403"), exc.response
        return status
    return 200


@pytest.fixture(scope="session")
def iam(grenier: GrenierServer) -> Any:
    return grenier.client("iam")


@pytest.fixture(scope="session")
def root_s3(grenier: GrenierServer) -> Any:
    return grenier.client()


@pytest.fixture(scope="session")
def make_user(grenier: GrenierServer, iam: Any) -> Any:
    """make_user(*policy ARNs, document=None) -> User with one fresh key."""

    def make(*policies: str, document: dict[str, Any] | None = None) -> User:
        name = uid("user")
        iam.create_user(UserName=name)
        for arn in policies:
            iam.attach_user_policy(UserName=name, PolicyArn=arn)
        if document is not None:
            created = iam.create_policy(PolicyName=uid("pol"), PolicyDocument=json.dumps(document))
            iam.attach_user_policy(UserName=name, PolicyArn=created["Policy"]["Arn"])
        key = iam.create_access_key(UserName=name)["AccessKey"]
        ak, sk = key["AccessKeyId"], key["SecretAccessKey"]
        return User(name, ak, sk, s3_client(grenier.endpoint, ak, sk))

    return make


@pytest.fixture
def fresh_bucket(root_s3: Any) -> str:
    name = uid("acc")
    root_s3.create_bucket(Bucket=name)
    return name


# --- accounts ---------------------------------------------------------------------------------


@dataclass
class Account:
    """An account of the session server: its root's clients and a way to add users."""

    name: str
    account_id: str
    canonical_id: str
    access_key: str
    secret_key: str
    s3: Any
    iam: Any
    endpoint: str
    email: str | None = None

    def user(self, *policies: str, document: dict[str, Any] | None = None) -> User:
        """A user of this account with the given managed policies and/or one inline one."""
        name = uid("user")
        self.iam.create_user(UserName=name)
        for arn in policies:
            self.iam.attach_user_policy(UserName=name, PolicyArn=arn)
        if document is not None:
            self.iam.put_user_policy(
                UserName=name, PolicyName="inline", PolicyDocument=json.dumps(document)
            )
        key = self.iam.create_access_key(UserName=name)["AccessKey"]
        ak, sk = key["AccessKeyId"], key["SecretAccessKey"]
        return User(name, ak, sk, s3_client(self.endpoint, ak, sk))


def admin_api(server: GrenierServer) -> Any:
    from grenier.client.admin_api import AdminApi
    from grenier.client.config import Alias

    return AdminApi(Alias("t", server.endpoint, server.access_key, server.secret_key))


def iam_client(endpoint: str, access_key: str, secret_key: str) -> Any:
    return boto3.client(
        "iam",
        endpoint_url=endpoint,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        region_name="us-east-1",
        config=Config(retries={"max_attempts": 1}),
    )


@pytest.fixture(scope="session")
def make_account(grenier: GrenierServer) -> Any:
    """make_account(email=None) -> a new Account of the session server."""
    api = admin_api(grenier)

    def make(email: str | None = None) -> Account:
        doc = api.add_account(uid("acct"), email)
        ak, sk = doc["accessKey"], doc["secretKey"]
        return Account(
            doc["account"],
            doc["accountId"],
            doc["canonicalId"],
            ak,
            sk,
            s3_client(grenier.endpoint, ak, sk),
            iam_client(grenier.endpoint, ak, sk),
            grenier.endpoint,
            email,
        )

    return make


@pytest.fixture(scope="session")
def anon_s3(grenier: GrenierServer) -> Any:
    return s3_client(grenier.endpoint, None, None)
