"""XML for the IAM Query API: one namespace, AWS's element names, ``member`` lists.

Responses look exactly like IAM's (``<XResponse xmlns=...><XResult>..</XResult>
<ResponseMetadata><RequestId>..</RequestId></ResponseMetadata></XResponse>``), and
policy documents are URL-encoded as IAM returns them (boto3 decodes them).
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote
from xml.etree.ElementTree import Element, SubElement, tostring

from grenier.iam.records import AccessKey, Group, ManagedPolicy, PolicyVersion, User
from grenier.s3.xml import clean

NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"
# Grenier's one user tag: whether the user is enabled (read with GetUser/ListUsers,
# changed with TagUser/UntagUser).
STATUS_TAG = "grenier:status"


def text(parent: Element, tag: str, value: str | int | bool | None) -> Element:
    child = SubElement(parent, tag)
    if isinstance(value, bool):
        child.text = "true" if value else "false"
    elif value is not None:
        child.text = str(value)
    return child


def members(parent: Element, tag: str, items: Iterable[Element]) -> Element:
    """``<tag><member>..</member>...</tag>``: each item element is renamed ``member``."""
    holder = SubElement(parent, tag)
    for item in items:
        item.tag = "member"
        holder.append(item)
    return holder


def policy_document(value: str) -> str:
    return quote(value, safe="")


def user(item: User, tag: str = "User") -> Element:
    el = Element(tag)
    text(el, "Path", item.path)
    text(el, "UserName", item.name)
    text(el, "UserId", item.user_id)
    text(el, "Arn", item.arn)
    text(el, "CreateDate", item.created)
    tags = SubElement(el, "Tags")
    tag = SubElement(tags, "member")
    text(tag, "Key", STATUS_TAG)
    text(tag, "Value", "enabled" if item.enabled else "disabled")
    return el


def group(item: Group, tag: str = "Group") -> Element:
    el = Element(tag)
    text(el, "Path", item.path)
    text(el, "GroupName", item.name)
    text(el, "GroupId", item.group_id)
    text(el, "Arn", item.arn)
    text(el, "CreateDate", item.created)
    return el


def access_key(item: AccessKey, tag: str = "AccessKey") -> Element:
    el = Element(tag)
    text(el, "UserName", item.user)
    text(el, "AccessKeyId", item.access_key)
    text(el, "Status", item.status)
    if item.secret is not None:
        text(el, "SecretAccessKey", item.secret)
    text(el, "CreateDate", item.created)
    return el


def managed_policy(item: ManagedPolicy, tag: str = "Policy") -> Element:
    el = Element(tag)
    text(el, "PolicyName", item.name)
    text(el, "PolicyId", item.policy_id)
    text(el, "Arn", item.arn)
    text(el, "Path", item.path)
    text(el, "DefaultVersionId", item.default_version)
    text(el, "AttachmentCount", item.attachment_count)
    text(el, "PermissionsBoundaryUsageCount", 0)
    text(el, "IsAttachable", True)
    if item.description:
        text(el, "Description", item.description)
    text(el, "CreateDate", item.created)
    text(el, "UpdateDate", item.updated)
    return el


def policy_version(item: PolicyVersion, tag: str = "PolicyVersion") -> Element:
    el = Element(tag)
    text(el, "Document", policy_document(item.document))
    text(el, "VersionId", item.version_id)
    text(el, "IsDefaultVersion", item.is_default)
    text(el, "CreateDate", item.created)
    return el


def attached(name: str, arn: str) -> Element:
    el = Element("member")
    text(el, "PolicyName", name)
    text(el, "PolicyArn", arn)
    return el


def response(action: str, result: Element | None, request_id: str) -> bytes:
    root = Element(f"{action}Response", {"xmlns": NAMESPACE})
    if result is not None:
        result.tag = f"{action}Result"
        root.append(result)
    meta = SubElement(root, "ResponseMetadata")
    text(meta, "RequestId", request_id)
    return tostring(root, encoding="utf-8", xml_declaration=True)


def error(code: str, message: str, request_id: str, *, sender: bool = True) -> bytes:
    root = Element("ErrorResponse", {"xmlns": NAMESPACE})
    err = SubElement(root, "Error")
    text(err, "Type", "Sender" if sender else "Receiver")
    text(err, "Code", clean(code))
    text(err, "Message", clean(message))  # may echo undecodable request bytes
    text(root, "RequestId", request_id)
    return tostring(root, encoding="utf-8", xml_declaration=True)
