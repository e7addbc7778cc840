"""The HTTP side of the app (mounted by app.py through Streamlit's ``st.App``):

- the visitor cookie: an unguessable id, set HttpOnly on the first page load, so the
  first script run already knows whose conversations and documents to show;
- the page itself in Dutch before any script runs (``lang="nl"``, title, the
  no-JavaScript notice, a local favicon) and a Content-Security-Policy that lets the
  page load nothing from any other host;
- ``bestand/<token>/<name>``: original documents through signed links (webapp.files);
- preloading: the assistant starts loading when the server starts, not when the
  first visitor arrives.
"""
from __future__ import annotations

import logging
import re
import secrets
from contextlib import asynccontextmanager
from http.cookies import SimpleCookie
from pathlib import Path

from common.config import ConfigError, Settings

log = logging.getLogger("twente_board.app.server")

COOKIE = "tb_bezoeker"
COOKIE_AGE = 365 * 24 * 3600
STATIC = Path(__file__).resolve().parent / "static"
TITLE = "Twente Board-assistent"
# the page may talk to its own host only (websocket included: 'self' covers ws/wss of the same host)
CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline' 'unsafe-eval' blob:; "
       "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; "
       "connect-src 'self'; worker-src 'self' blob:; frame-src 'self' blob: data:; media-src 'self' blob: data:; "
       "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'self'")
NOSCRIPT = ("<noscript><p>De Twente Board-assistent heeft JavaScript nodig. Zet JavaScript aan in je browser "
            "en laad de pagina opnieuw.</p></noscript>")


def new_visitor_id() -> str:
    return secrets.token_urlsafe(32)


def valid_visitor_id(value: str | None) -> bool:
    return isinstance(value, str) and re.fullmatch(r"[A-Za-z0-9_-]{40,64}", value) is not None


def dutch_page(html: str) -> str:
    """Streamlit's index.html, in Dutch before any script runs."""
    html = re.sub(r'<html lang="[^"]*"', '<html lang="nl"', html, count=1)
    html = re.sub(r"<title>.*?</title>", f"<title>{TITLE}</title>", html, count=1, flags=re.S)
    html = re.sub(r'<link rel="shortcut icon" href="[^"]*"', '<link rel="icon" href="./tb/favicon.png"', html, count=1)
    return re.sub(r"<noscript>.*?</noscript>", NOSCRIPT, html, count=1, flags=re.S)


class PageMiddleware:
    """Pure ASGI: rewrites HTML pages (index.html) and sets the visitor cookie on them."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope.get("method") != "GET":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        if b"text/html" not in headers.get(b"accept", b""):
            return await self.app(scope, receive, send)
        # a page request: ask for it uncompressed so it can be rewritten
        scope = {**scope, "headers": [(k, v) for k, v in scope["headers"] if k != b"accept-encoding"]}
        cookie = SimpleCookie()
        try:
            cookie.load(headers.get(b"cookie", b"").decode("latin-1"))
        except Exception:  # a malformed Cookie header: treat as none
            pass
        known = cookie.get(COOKIE)
        set_cookie = None if known and valid_visitor_id(known.value) else new_visitor_id()
        secure = scope.get("scheme") == "https"
        start: dict | None = None
        body: list[bytes] = []

        async def send_page(message):
            nonlocal start
            if message["type"] == "http.response.start":
                kind = dict(message.get("headers") or []).get(b"content-type", b"")
                if not kind.startswith(b"text/html"):
                    return await send(message)
                start = message
                return None
            if start is None:
                return await send(message)
            body.append(message.get("body", b""))
            if message.get("more_body"):
                return None
            page = dutch_page(b"".join(body).decode("utf-8")).encode("utf-8")
            extra = [(b"content-security-policy", CSP.encode()), (b"referrer-policy", b"no-referrer"),
                     (b"x-content-type-options", b"nosniff")]
            if set_cookie:
                extra.append((b"set-cookie", (f"{COOKIE}={set_cookie}; Path=/; Max-Age={COOKIE_AGE}; HttpOnly; "
                                              f"SameSite=Lax{'; Secure' if secure else ''}").encode()))
            kept = [(k, v) for k, v in start.get("headers", []) if k not in (b"content-length", b"etag")]
            await send({**start, "headers": kept + extra + [(b"content-length", str(len(page)).encode())]})
            await send({"type": "http.response.body", "body": page})

        await self.app(scope, receive, send_page)


def _settings() -> Settings | None:
    try:
        return Settings.from_env()
    except ConfigError:
        return None  # the page explains the configuration error


async def document(request):
    """An original document by signed link (webapp.files)."""
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import FileResponse, PlainTextResponse

    from webapp.files import PRIVATE, SHARED, file_headers
    from webapp.services import services

    settings = _settings()
    if settings is None:
        return PlainTextResponse("De configuratie van de assistent klopt niet.", status_code=503)
    app = services(settings)
    name = request.path_params["name"]
    ref = app.links.resolve(request.path_params["token"], name)
    if ref is None:
        return PlainTextResponse("Deze link is ongeldig of verlopen. Laad de pagina van de assistent opnieuw.",
                                 status_code=404)
    if ref.kind == SHARED:
        path = await run_in_threadpool(app.corpus.file_path, ref.name)
    elif ref.kind == PRIVATE:
        path = await run_in_threadpool(app.private.file_path, ref.conversation, ref.name)
    else:
        path = None
    if path is None:
        return PlainTextResponse("Dit document is niet (meer) beschikbaar.", status_code=404)
    return FileResponse(path, headers=file_headers(path, request.query_params.get("download") == "1"))


async def favicon(request):
    from starlette.responses import FileResponse

    return FileResponse(STATIC / "favicon.png", media_type="image/png", headers={"Cache-Control": "max-age=86400"})


def routes() -> list:
    from starlette.routing import Route

    return [Route("/bestand/{token}/{name:path}", document), Route("/tb/favicon.png", favicon)]


@asynccontextmanager
async def lifespan(app):
    settings = _settings()
    if settings is not None:
        from webapp.services import services

        services(settings)  # starts loading the assistant in the background
    yield
