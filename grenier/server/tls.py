"""TLS from a certs folder laid out as MinIO's (``--certs-dir``, default ``~/.grenier/certs``):

```
CERTS_DIR/public.crt, private.key        the default certificate (turns HTTPS on)
CERTS_DIR/<domain>/public.crt, private.key   more certificates, chosen by SNI
CERTS_DIR/CAs/*                           extra CAs trusted for outgoing calls (webhooks)
```

An SNI certificate answers for the DNS names of its subjectAltName (wildcards included),
or for its folder's name when it has none; any other name gets the default certificate.
TLS 1.2 is the minimum. The folder is polled every two seconds (a dozen ``stat`` calls;
unlike inotify this also sees Kubernetes' symlink swaps and network file systems) and
re-read on SIGHUP: new handshakes use the new certificates, established connections keep
theirs. A broken update (unreadable file, key not matching) is logged and the previous
certificates stay in service.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

log = logging.getLogger("grenier.server")

CERT, KEY = "public.crt", "private.key"
POLL_INTERVAL = 2.0


@dataclass(frozen=True)
class CertInfo:
    folder: str
    names: tuple[str, ...]
    not_after: str
    issuer: str


def _server_context() -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx


def _describe(folder: Path, fallback: str) -> CertInfo:
    from cryptography import x509

    cert = x509.load_pem_x509_certificate((folder / CERT).read_bytes())
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
        names = tuple(n.lower() for n in san.get_values_for_type(x509.DNSName))
    except x509.ExtensionNotFound:
        names = ()
    return CertInfo(
        folder=str(folder),
        names=names or ((fallback,) if fallback else ()),
        not_after=cert.not_valid_after_utc.astimezone(UTC).isoformat(),
        issuer=cert.issuer.rfc4514_string(),
    )


class CertStore:
    def __init__(self, certs_dir: Path) -> None:
        self.dir = certs_dir
        self.context: ssl.SSLContext | None = None  # the listening socket's (default cert)
        self.by_name: dict[str, ssl.SSLContext] = {}
        self.certificates: list[CertInfo] = []
        self._stamp: tuple[Any, ...] = ()
        self._task: asyncio.Task[None] | None = None

    @property
    def enabled(self) -> bool:
        return (self.dir / CERT).is_file() and (self.dir / KEY).is_file()

    def load(self) -> ssl.SSLContext | None:
        """Build the contexts (start-up: errors propagate). None when TLS is off."""
        if not self.enabled:
            return None
        self._stamp = self._scan()
        self.context = _server_context()
        self._apply(self.context)
        return self.context

    def _apply(self, base: ssl.SSLContext) -> None:
        """Load every certificate into fresh contexts, then switch (all or nothing)."""
        base.load_cert_chain(self.dir / CERT, self.dir / KEY)
        infos = [_describe(self.dir, "")]
        by_name: dict[str, ssl.SSLContext] = {}
        for folder in sorted(p for p in self.dir.iterdir() if p.is_dir() and p.name != "CAs"):
            if not ((folder / CERT).is_file() and (folder / KEY).is_file()):
                continue
            ctx = _server_context()
            ctx.load_cert_chain(folder / CERT, folder / KEY)
            info = _describe(folder, folder.name.lower())
            infos.append(info)
            for name in info.names:
                by_name[name] = ctx
        self.by_name = by_name
        self.certificates = infos
        base.sni_callback = self._pick

    def _pick(self, sslobj: ssl.SSLObject, server_name: str | None, _ctx: Any) -> None:
        if not server_name:
            return
        name = server_name.lower()
        ctx = self.by_name.get(name)
        if ctx is None and "." in name:
            ctx = self.by_name.get("*." + name.split(".", 1)[1])
        if ctx is not None:
            sslobj.context = ctx

    def reload(self) -> bool:
        """Re-read the folder; keep the current certificates if the new ones are broken."""
        if self.context is None:
            return False
        try:
            self._stamp = self._scan()
            self._apply(_server_context())  # a dry run: any broken file raises here
            self._apply(self.context)
        except (OSError, ssl.SSLError, ValueError) as exc:
            log.error("TLS certificates in %s not reloaded: %s", self.dir, exc)
            return False
        log.info("TLS certificates reloaded from %s", self.dir)
        return True

    def _scan(self) -> tuple[Any, ...]:
        stamp: list[Any] = []
        for path in sorted(self.dir.glob("*")) + sorted(self.dir.glob("*/*")):
            try:
                st = path.stat()
            except OSError:
                continue
            if path.is_file():
                stamp.append((str(path), st.st_mtime_ns, st.st_size, st.st_ino))
        return tuple(stamp)

    def start_watching(self) -> None:
        if self.context is not None:
            self._task = asyncio.ensure_future(self._watch())

    def stop_watching(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(POLL_INTERVAL)
            if self._scan() != self._stamp:
                self.reload()

    def client_context(self) -> ssl.SSLContext:
        """For outgoing HTTPS (webhooks): the system CAs plus ``CAs/``."""
        ctx = ssl.create_default_context()
        cas = self.dir / "CAs"
        if cas.is_dir():
            for path in sorted(cas.iterdir()):
                if path.is_file():
                    try:
                        ctx.load_verify_locations(cafile=str(path))
                    except (ssl.SSLError, OSError) as exc:
                        log.warning("ignoring CA file %s: %s", path, exc)
        return ctx
