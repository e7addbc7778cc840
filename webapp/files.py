"""Original documents, downloadable or opened at the cited page, through signed links.

A page only ever links documents its visitor may see: the shared corpus, their
conversation's own documents, and (for an administrator) visitors' uploads. The link
carries that permission itself: ``bestand/<token>/<file name>``, the token an HMAC
over (kind, conversation, file name, expiry) with a secret kept in the app's data
folder. The HTTP route (mounted by app.py) checks the signature and the expiry and
serves the file with headers that keep an uploaded HTML file from running scripts or
loading anything from another host.
"""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import time
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

LINK_TTL = 12 * 3600  # s; a page reload makes new links
SHARED, PRIVATE = "gedeeld", "eigen"
MEDIA_TYPES = {".pdf": "application/pdf", ".txt": "text/plain; charset=utf-8", ".md": "text/plain; charset=utf-8",
               ".markdown": "text/plain; charset=utf-8", ".html": "text/html; charset=utf-8",
               ".htm": "text/html; charset=utf-8"}
# an uploaded document is shown, never run: no scripts, no requests, its own origin
SANDBOX = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:"


@dataclass(frozen=True)
class FileRef:
    kind: str  # SHARED or PRIVATE
    conversation: str  # "" for the shared corpus
    name: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def load_secret(folder: Path) -> bytes:
    """The signing key, made once per data folder (so links survive a restart)."""
    path = folder / ".link-secret"
    try:
        return bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        folder.mkdir(parents=True, exist_ok=True)
        key = secrets.token_bytes(32)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(key.hex())
        return key


class FileLinks:
    def __init__(self, secret: bytes, ttl: int = LINK_TTL):
        self.secret, self.ttl = secret, ttl

    def _mac(self, payload: bytes) -> str:
        return _b64(hmac.new(self.secret, payload, hashlib.sha256).digest()[:18])

    def url(self, ref: FileRef, *, page: int | None = None, quote: str = "", download: bool = False) -> str:
        """A relative URL (it works under any base path): opened at ``page`` for a PDF,
        at the quoted text for other documents (a text fragment), or as a download."""
        payload = json.dumps([ref.kind, ref.conversation, ref.name, int(time.time()) + self.ttl],
                             separators=(",", ":")).encode()
        token = f"{_b64(payload)}.{self._mac(payload)}"
        url = f"bestand/{token}/{urllib.parse.quote(ref.name)}"
        if download:
            return url + "?download=1"
        if page and ref.name.lower().endswith(".pdf"):
            return f"{url}#page={page}"
        words = " ".join(quote.split()[:8]).strip(" .,;:…")
        return f"{url}#:~:text={urllib.parse.quote(words, safe='')}" if words else url

    def resolve(self, token: str, name: str) -> FileRef | None:
        try:
            encoded, mac = token.split(".", 1)
            payload = _unb64(encoded)
            if not hmac.compare_digest(mac, self._mac(payload)):
                return None
            kind, conversation, signed_name, expires = json.loads(payload)
        except (ValueError, TypeError):
            return None
        if expires < time.time() or signed_name != name or kind not in (SHARED, PRIVATE):
            return None
        return FileRef(kind, conversation, signed_name)


def file_headers(path: Path, download: bool) -> dict[str, str]:
    suffix = path.suffix.lower()
    disposition = "attachment" if download else "inline"
    headers = {"Content-Type": MEDIA_TYPES.get(suffix, "application/octet-stream"),
               "Content-Disposition": f"{disposition}; filename*=UTF-8''{urllib.parse.quote(path.name)}",
               "X-Content-Type-Options": "nosniff", "Cache-Control": "private, max-age=300",
               "Referrer-Policy": "no-referrer"}
    if suffix != ".pdf":  # Chromium's PDF viewer does not run in a sandboxed document
        headers["Content-Security-Policy"] = SANDBOX
    return headers
