"""The load generator's SigV4 signer, checked against botocore before every run.

The signer itself is the client's (:class:`grenier.client.sigv4.Signer`: signing key
cached per day, ``UNSIGNED-PAYLOAD``, two HMACs and one SHA-256 per request), so there is
one cheap signer in the project. ``self_check()`` signs a few requests with it and with
botocore's ``S3SigV4Auth`` at the same instant and compares them, so a wrong signer can
never produce numbers.
"""

from __future__ import annotations

from grenier.client.sigv4 import Signer, canonical_query

__all__ = ["Signer", "canonical_query", "self_check"]


def _botocore_authorization(
    signer: Signer, method: str, host: str, path: str, query: dict[str, str], amz_date: str
) -> str:
    import datetime
    from unittest import mock

    from botocore.auth import S3SigV4Auth
    from botocore.awsrequest import AWSRequest
    from botocore.config import Config
    from botocore.credentials import Credentials

    url = f"http://{host}{path}"
    if query:
        url += "?" + canonical_query(query)
    request = AWSRequest(method=method, url=url)
    request.context["client_config"] = Config(s3={"payload_signing_enabled": False})
    auth = S3SigV4Auth(Credentials(signer.access_key, signer.secret_key), "s3", signer.region)
    when = datetime.datetime.strptime(amz_date, "%Y%m%dT%H%M%SZ")
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        auth.add_auth(request)
    return str(request.headers["Authorization"])


def self_check() -> None:
    """Raise AssertionError unless this signer agrees with botocore on sample requests."""
    signer = Signer("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "us-east-1")
    cases: list[tuple[str, str, dict[str, str]]] = [
        ("PUT", "/bucket/dir/key%20with%20space", {}),
        ("GET", "/bucket", {"list-type": "2", "prefix": "a/b", "delimiter": "/"}),
        ("POST", "/bucket/big", {"uploads": ""}),
        ("PUT", "/bucket/big", {"partNumber": "3", "uploadId": "abc+/="}),
        ("DELETE", "/bucket/k~1", {}),
    ]
    amz_date = "20250102T030405Z"
    for method, path, query in cases:
        ours = signer.sign(method, "127.0.0.1:9000", path, query, amz_date=amz_date)[
            "Authorization"
        ]
        theirs = _botocore_authorization(signer, method, "127.0.0.1:9000", path, query, amz_date)
        assert ours == theirs, f"SigV4 mismatch for {method} {path}: {ours} != {theirs}"


if __name__ == "__main__":
    self_check()
    print("sigv4 self-check: ok")
