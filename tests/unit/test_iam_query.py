"""The IAM Query API driven with exactly what boto3 sends, answers parsed by botocore."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import botocore.session
import pytest
from botocore.handlers import json_decode_policies
from botocore.parsers import create_parser
from botocore.serialize import create_serializer

from grenier.adminapi.iam_query import handle_iam
from grenier.iam.evaluate import Principal
from grenier.iam.store import IamStore

ROOT = Principal("root", "root")
MODEL = botocore.session.get_session().get_service_model("iam")
SERIALIZER = create_serializer("query")
PARSER = create_parser("query")

READ_DOC = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*"}
        ],
    }
)


class IamClient:
    """Serialise like boto3, call handle_iam, parse like boto3 (errors included)."""

    def __init__(self, store: IamStore, caller: Principal = ROOT) -> None:
        self.store = store
        self.caller = caller
        self.last_status = 0

    def call(self, operation: str, **kwargs: Any) -> dict[str, Any]:
        op = MODEL.operation_model(operation)
        request = SERIALIZER.serialize_to_request(kwargs, op)
        body = request["body"]
        params = dict(parse_qsl(body)) if isinstance(body, str) else dict(body)
        status, xml = handle_iam(params, self.store, self.caller, "req-1")
        self.last_status = status
        response = {"status_code": status, "headers": {}, "body": xml}
        shape = op.output_shape if status == 200 else None
        parsed: dict[str, Any] = PARSER.parse(response, shape)
        if status == 200:
            json_decode_policies(parsed, op)  # boto3's after-call handler for IAM documents
        return parsed


@pytest.fixture
def store(tmp_path: Path) -> Iterator[IamStore]:
    s = IamStore.open(tmp_path)
    yield s
    s.close()


@pytest.fixture
def iam(store: IamStore) -> IamClient:
    return IamClient(store)


def test_create_get_list_delete_user(iam: IamClient) -> None:
    created = iam.call("CreateUser", UserName="alice")["User"]
    assert created["UserName"] == "alice"
    assert created["Arn"].endswith(":user/alice")
    assert created["UserId"].startswith("AIDA")
    got = iam.call("GetUser", UserName="alice")["User"]
    assert got["UserId"] == created["UserId"]
    assert got["CreateDate"].year >= 2024
    listed = iam.call("ListUsers")
    assert [u["UserName"] for u in listed["Users"]] == ["alice"]
    assert listed["IsTruncated"] is False
    iam.call("DeleteUser", UserName="alice")
    assert iam.last_status == 200
    assert iam.call("ListUsers")["Users"] == []


def test_errors_have_iam_codes_and_statuses(iam: IamClient) -> None:
    missing = iam.call("GetUser", UserName="nobody")
    assert (iam.last_status, missing["Error"]["Code"]) == (404, "NoSuchEntity")
    assert missing["Error"]["Type"] == "Sender"
    iam.call("CreateUser", UserName="bob")
    dup = iam.call("CreateUser", UserName="bob")
    assert (iam.last_status, dup["Error"]["Code"]) == (409, "EntityAlreadyExists")
    assert dup["ResponseMetadata"]["RequestId"] == "req-1"


def test_unknown_action_is_invalid_action(store: IamStore) -> None:
    status, body = handle_iam({"Action": "FlyToMoon"}, store, ROOT, "r")
    assert status == 400
    assert b"<Code>InvalidAction</Code>" in body


def test_access_keys_lifecycle(iam: IamClient, store: IamStore) -> None:
    iam.call("CreateUser", UserName="alice")
    key = iam.call("CreateAccessKey", UserName="alice")["AccessKey"]
    assert key["AccessKeyId"].startswith("AKIA") and len(key["AccessKeyId"]) == 20
    assert len(key["SecretAccessKey"]) == 40
    assert key["Status"] == "Active"
    assert store.secret_for(key["AccessKeyId"]) is not None
    listed = iam.call("ListAccessKeys", UserName="alice")["AccessKeyMetadata"]
    assert [k["AccessKeyId"] for k in listed] == [key["AccessKeyId"]]
    assert "SecretAccessKey" not in listed[0]
    iam.call("UpdateAccessKey", UserName="alice", AccessKeyId=key["AccessKeyId"], Status="Inactive")
    assert store.secret_for(key["AccessKeyId"]) is None
    iam.call("DeleteAccessKey", UserName="alice", AccessKeyId=key["AccessKeyId"])
    assert iam.call("ListAccessKeys", UserName="alice")["AccessKeyMetadata"] == []


def test_delete_user_conflicts_while_it_has_keys(iam: IamClient) -> None:
    iam.call("CreateUser", UserName="alice")
    iam.call("CreateAccessKey", UserName="alice")
    answer = iam.call("DeleteUser", UserName="alice")
    assert (iam.last_status, answer["Error"]["Code"]) == (409, "DeleteConflict")


def test_inline_user_policy_round_trip(iam: IamClient) -> None:
    iam.call("CreateUser", UserName="alice")
    iam.call("PutUserPolicy", UserName="alice", PolicyName="read-b", PolicyDocument=READ_DOC)
    got = iam.call("GetUserPolicy", UserName="alice", PolicyName="read-b")
    assert got["PolicyDocument"] == json.loads(READ_DOC)  # boto3 URL-decodes + parses it
    assert iam.call("ListUserPolicies", UserName="alice")["PolicyNames"] == ["read-b"]
    iam.call("DeleteUserPolicy", UserName="alice", PolicyName="read-b")
    assert iam.call("ListUserPolicies", UserName="alice")["PolicyNames"] == []


def test_malformed_policy_document_is_rejected(iam: IamClient) -> None:
    iam.call("CreateUser", UserName="alice")
    bad = READ_DOC.replace("s3:GetObject", "s3:GetObjekt")
    answer = iam.call("PutUserPolicy", UserName="alice", PolicyName="p", PolicyDocument=bad)
    assert (iam.last_status, answer["Error"]["Code"]) == (400, "MalformedPolicyDocument")
    answer = iam.call("CreatePolicy", PolicyName="p", PolicyDocument="{not json")
    assert answer["Error"]["Code"] == "MalformedPolicyDocument"


def test_managed_policy_lifecycle(iam: IamClient) -> None:
    policy = iam.call("CreatePolicy", PolicyName="read-b", PolicyDocument=READ_DOC)["Policy"]
    assert policy["DefaultVersionId"] == "v1"
    arn = policy["Arn"]
    assert iam.call("GetPolicy", PolicyArn=arn)["Policy"]["PolicyName"] == "read-b"
    version = iam.call("GetPolicyVersion", PolicyArn=arn, VersionId="v1")["PolicyVersion"]
    assert version["Document"] == json.loads(READ_DOC)
    assert version["IsDefaultVersion"] is True
    local = iam.call("ListPolicies", Scope="Local")["Policies"]
    assert [p["Arn"] for p in local] == [arn]
    iam.call("CreateUser", UserName="alice")
    iam.call("AttachUserPolicy", UserName="alice", PolicyArn=arn)
    assert iam.call("GetPolicy", PolicyArn=arn)["Policy"]["AttachmentCount"] == 1
    conflict = iam.call("DeletePolicy", PolicyArn=arn)
    assert conflict["Error"]["Code"] == "DeleteConflict"
    iam.call("DetachUserPolicy", UserName="alice", PolicyArn=arn)
    iam.call("DeletePolicy", PolicyArn=arn)
    assert iam.call("GetPolicy", PolicyArn=arn)["Error"]["Code"] == "NoSuchEntity"


def test_builtin_policies_attach_by_arn_or_name(iam: IamClient) -> None:
    aws = iam.call("ListPolicies", Scope="AWS")["Policies"]
    names = {p["PolicyName"] for p in aws}
    assert {"readonly", "readwrite", "writeonly", "diagnostics", "consoleAdmin"} <= names
    iam.call("CreateUser", UserName="alice")
    iam.call("AttachUserPolicy", UserName="alice", PolicyArn="arn:aws:iam::aws:policy/readonly")
    raw = {"Action": "AttachUserPolicy", "UserName": "alice", "PolicyArn": "readwrite"}
    assert handle_iam(raw, iam.store, ROOT, "r")[0] == 200  # bare MinIO name, raw request
    attached = iam.call("ListAttachedUserPolicies", UserName="alice")["AttachedPolicies"]
    assert sorted(a["PolicyArn"] for a in attached) == [
        "arn:aws:iam::aws:policy/readonly",
        "arn:aws:iam::aws:policy/readwrite",
    ]
    doc = iam.call(
        "GetPolicyVersion", PolicyArn="arn:aws:iam::aws:policy/readonly", VersionId="v1"
    )["PolicyVersion"]["Document"]
    assert "s3:GetObject" in doc["Statement"][0]["Action"]


def test_groups(iam: IamClient, store: IamStore) -> None:
    iam.call("CreateUser", UserName="alice")
    group = iam.call("CreateGroup", GroupName="readers")["Group"]
    assert group["GroupId"].startswith("AGPA")
    iam.call("AddUserToGroup", GroupName="readers", UserName="alice")
    got = iam.call("GetGroup", GroupName="readers")
    assert [u["UserName"] for u in got["Users"]] == ["alice"]
    for_user = iam.call("ListGroupsForUser", UserName="alice")["Groups"]
    assert [g["GroupName"] for g in for_user] == ["readers"]
    iam.call("AttachGroupPolicy", GroupName="readers", PolicyArn="arn:aws:iam::aws:policy/readonly")
    attached = iam.call("ListAttachedGroupPolicies", GroupName="readers")["AttachedPolicies"]
    assert [a["PolicyName"] for a in attached] == ["readonly"]
    assert len(store.identity_policies("alice")) == 1
    assert iam.call("DeleteGroup", GroupName="readers")["Error"]["Code"] == "DeleteConflict"
    iam.call("RemoveUserFromGroup", GroupName="readers", UserName="alice")
    iam.call("DetachGroupPolicy", GroupName="readers", PolicyArn="arn:aws:iam::aws:policy/readonly")
    iam.call("DeleteGroup", GroupName="readers")
    assert iam.call("ListGroups")["Groups"] == []


def test_paging_with_marker(iam: IamClient) -> None:
    for name in ("u1", "u2", "u3"):
        iam.call("CreateUser", UserName=name)
    first = iam.call("ListUsers", MaxItems=2)
    assert [u["UserName"] for u in first["Users"]] == ["u1", "u2"]
    assert first["IsTruncated"] is True
    rest = iam.call("ListUsers", MaxItems=2, Marker=first["Marker"])
    assert [u["UserName"] for u in rest["Users"]] == ["u3"]
    assert rest["IsTruncated"] is False


def test_plain_user_is_denied(iam: IamClient, store: IamStore) -> None:
    iam.call("CreateUser", UserName="alice")
    alice = IamClient(store, Principal("user", "alice", "AKIAEXAMPLE"))
    answer = alice.call("ListUsers")
    assert (alice.last_status, answer["Error"]["Code"]) == (403, "AccessDenied")
    anonymous = IamClient(store, Principal("anonymous"))
    assert anonymous.call("ListUsers")["Error"]["Code"] == "AccessDenied"


def test_user_with_admin_policy_may_call(iam: IamClient, store: IamStore) -> None:
    iam.call("CreateUser", UserName="admin")
    iam.call("AttachUserPolicy", UserName="admin", PolicyArn="arn:aws:iam::aws:policy/consoleAdmin")
    admin = IamClient(store, Principal("user", "admin", "AKIAEXAMPLE"))
    assert admin.call("CreateUser", UserName="carol")["User"]["UserName"] == "carol"
    iam.call("CreateUser", UserName="iamer")
    doc = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "iam:*", "Resource": "*"}],
    }
    iam.call("PutUserPolicy", UserName="iamer", PolicyName="iam", PolicyDocument=json.dumps(doc))
    iamer = IamClient(store, Principal("user", "iamer", "AKIAEXAMPLE2"))
    assert [u["UserName"] for u in iamer.call("ListUsers")["Users"]] == ["admin", "carol", "iamer"]


def test_get_user_without_name_is_the_caller(iam: IamClient, store: IamStore) -> None:
    iam.call("CreateUser", UserName="alice")
    iam.call("AttachUserPolicy", UserName="alice", PolicyArn="arn:aws:iam::aws:policy/consoleAdmin")
    alice = IamClient(store, Principal("user", "alice", "AKIAEXAMPLE"))
    assert alice.call("GetUser")["User"]["UserName"] == "alice"
    assert iam.call("GetUser")["User"]["Arn"].endswith(":root")
