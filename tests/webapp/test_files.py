"""Signed links to original documents, the HTTP route that serves them, and the page
shell (cookie, Dutch, CSP) — through Starlette's test client, without Streamlit."""
from __future__ import annotations


import pytest
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.responses import HTMLResponse, PlainTextResponse
from starlette.routing import Route
from starlette.testclient import TestClient

from webapp.files import PRIVATE, SHARED, FileLinks, FileRef, load_secret
from webapp.server import COOKIE, PageMiddleware, dutch_page, valid_visitor_id

STREAMLIT_INDEX = ('<!DOCTYPE html>\n<html lang="en">\n<head><link rel="shortcut icon" href="./favicon.png" />'
                   "<title>Streamlit</title></head><body><noscript><p>You need to enable JavaScript to run this "
                   'app.</p></noscript><div id="root"></div></body></html>')


def test_links_resolve_only_unchanged_and_unexpired(tmp_path):
    links = FileLinks(load_secret(tmp_path))
    ref = FileRef(PRIVATE, "gesprek123", "plan.pdf")
    url = links.url(ref, page=7)
    assert url.startswith("bestand/") and url.endswith("/plan.pdf#page=7")
    token = url.split("/")[1]
    assert links.resolve(token, "plan.pdf") == ref
    assert links.resolve(token, "ander.pdf") is None  # the name is signed too
    assert links.resolve(token[:-2] + "xx", "plan.pdf") is None
    assert FileLinks(b"another secret").resolve(token, "plan.pdf") is None
    assert FileLinks(load_secret(tmp_path)).resolve(token, "plan.pdf") == ref  # the key survives a restart
    expired = FileLinks(load_secret(tmp_path), ttl=-1).url(ref).split("/")[1]
    assert links.resolve(expired, "plan.pdf") is None
    assert (tmp_path / ".link-secret").stat().st_mode & 0o077 == 0


def test_links_open_at_the_page_or_the_quoted_text(tmp_path):
    links = FileLinks(b"k" * 32)
    assert links.url(FileRef(SHARED, "", "deal.txt"), quote="De deal is 25 miljoen. En meer.").endswith(
        "#:~:text=De%20deal%20is%2025%20miljoen.%20En%20meer")
    assert links.url(FileRef(SHARED, "", "deal.txt"), download=True).endswith("/deal.txt?download=1")
    assert links.url(FileRef(SHARED, "", "a b.pdf")).endswith("/a%20b.pdf")


def test_page_shell_is_dutch_with_a_local_favicon():
    page = dutch_page(STREAMLIT_INDEX)
    assert '<html lang="nl">' in page and "<title>Twente Board-assistent</title>" in page
    assert '<link rel="icon" href="./tb/favicon.png"' in page and "favicon.png\" />" in page
    assert "JavaScript nodig" in page and "You need" not in page


def _app() -> TestClient:
    async def index(request):
        return HTMLResponse(STREAMLIT_INDEX)

    async def data(request):
        return PlainTextResponse("gewoon")

    app = Starlette(routes=[Route("/", index), Route("/data", data)], middleware=[Middleware(PageMiddleware)])
    return TestClient(app)


def test_page_gets_the_visitor_cookie_once_and_a_strict_policy():
    client = _app()
    first = client.get("/", headers={"Accept": "text/html"})
    assert '<html lang="nl">' in first.text
    assert int(first.headers["content-length"]) == len(first.content)
    cookie = first.cookies.get(COOKIE)
    assert valid_visitor_id(cookie)
    raw = first.headers["set-cookie"]
    assert "HttpOnly" in raw and "SameSite=Lax" in raw and "Path=/" in raw
    policy = first.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    again = client.get("/", headers={"Accept": "text/html"})  # the client sends the cookie back
    assert "set-cookie" not in again.headers
    other = client.get("/data", headers={"Accept": "*/*"})  # not a page: untouched
    assert other.text == "gewoon" and "set-cookie" not in other.headers
    client.cookies.clear()
    client.cookies.set(COOKIE, "te-kort")
    assert "set-cookie" in client.get("/", headers={"Accept": "text/html"}).headers  # a forged id is replaced


@pytest.fixture
def route_env(monkeypatch, tmp_path, settings):
    for name in [n for n in __import__("os").environ if n.startswith("ASSISTANT_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("ASSISTANT_STORE", str(tmp_path / "store"))
    return tmp_path


def test_document_route_serves_signed_shared_and_private_files(route_env, fake_embedder):
    from common.config import Settings
    from ingest.pipeline import ingest
    from webapp.server import routes
    from webapp.services import services

    settings = Settings.from_env()
    docs = route_env / "docs"
    docs.mkdir()
    (docs / "deal.txt").write_text("Regio Deal\n\nDe deal is 25 miljoen euro waard.\n", encoding="utf-8")
    (docs / "hack.html").write_text("<html><body><h1>Kop</h1><p>Tekst met <script>alert(1)</script> erin.</p>"
                                    "</body></html>", encoding="utf-8")
    ingest([docs], settings, fake_embedder)
    app = services(settings)
    client = TestClient(Starlette(routes=routes()))

    url = app.links.url(FileRef(SHARED, "", "deal.txt"))
    ok = client.get("/" + url)
    assert ok.status_code == 200 and "25 miljoen" in ok.text
    assert ok.headers["content-type"].startswith("text/plain") and ok.headers["x-content-type-options"] == "nosniff"
    assert ok.headers["content-disposition"].startswith("inline")
    download = client.get("/" + app.links.url(FileRef(SHARED, "", "deal.txt"), download=True))
    assert download.headers["content-disposition"].startswith("attachment")
    html = client.get("/" + app.links.url(FileRef(SHARED, "", "hack.html")))
    assert html.headers["content-security-policy"].startswith("sandbox")  # shown, never run
    assert client.get("/bestand/nep.handtekening/deal.txt").status_code == 404
    forged = url.replace("deal.txt", "hack.html")
    assert client.get("/" + forged).status_code == 404
    gone = app.links.url(FileRef(SHARED, "", "bestaat-niet.txt"))
    assert client.get("/" + gone).status_code == 404
    private = app.links.url(FileRef(PRIVATE, "geen-gesprek", "deal.txt"))
    assert client.get("/" + private).status_code == 404  # no such conversation: nothing served
    assert client.get("/tb/favicon.png").headers["content-type"] == "image/png"
