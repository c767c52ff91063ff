"""The web channels: the chat page, the support console and the embeddable widget.

Plain HTML, CSS and JavaScript shipped inside the package under `advisor/channels/static/`, so
serving them needs no build step and no network (no CDNs, no web fonts).
"""

from __future__ import annotations

import html
import json
from functools import lru_cache
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.middleware.cors import CORSMiddleware

from advisor import __version__
from advisor.channels.console import console_off, mount_console
from advisor.channels.sign_in import mount_sign_in
from advisor.config import Settings
from advisor.domain.schemas import Lang

STATIC_DIR = Path(__file__).resolve().parent / "static"

# The pages load only their own scripts and styles and talk only to their own origin.
_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'self'; object-src 'none'; "
    "frame-ancestors {ancestors}"
)


def _as_lang(value: object) -> Lang | None:
    if value == "en":
        return "en"
    if value == "ja":
        return "ja"
    return None


def page_lang(request: Request, default: str) -> Lang:
    """Pick the page language: `?lang=`, else the browser's Accept-Language, else the default."""
    asked = _as_lang(request.query_params.get("lang"))
    if asked is not None:
        return asked
    ranked: list[tuple[float, int, Lang]] = []
    for position, item in enumerate(request.headers.get("accept-language", "").split(",")):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        base = _as_lang(tag.strip().lower().split("-")[0])
        if base is not None and quality > 0:
            ranked.append((-quality, position, base))
    if ranked:
        return min(ranked)[2]
    return _as_lang(default) or "en"


@lru_cache(maxsize=8)
def _template(name: str) -> str:
    return (STATIC_DIR / name).read_text(encoding="utf-8")


def render_page(name: str, **values: str) -> str:
    """Fill a page template's `{{name}}` placeholders with HTML-escaped values."""
    text = _template(name)
    for key, value in {"version": __version__, **values}.items():
        text = text.replace("{{" + key + "}}", html.escape(value, quote=True))
    return text


def _page(body: str, *, embeddable: bool) -> HTMLResponse:
    # The compact chat page is meant to be framed by the widget on any site; the others are not.
    ancestors = "*" if embeddable else "'self'"
    return HTMLResponse(
        body,
        headers={
            "Content-Security-Policy": _CSP.format(ancestors=ancestors),
            "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "same-origin",
            "Cache-Control": "no-cache",
        },
    )


def citation_table(lang: Lang) -> dict[str, object]:
    """Return every knowledge section's citation in one language, by section id."""
    from advisor.guidance.knowledge import load_knowledge

    return {s.id: s.citation().model_dump() for s in load_knowledge().in_lang(lang)}


async def _links(request: Request) -> str:
    """Return where each motion's next step leads, as JSON for a page's card."""
    service = request.app.state.service
    links = await run_in_threadpool(service.configuration.links)
    return json.dumps(links, separators=(",", ":"))


def mount_web(app: FastAPI, settings: Settings) -> None:
    """Add the chat page, the console, the widget script, the static files and CORS to `app`."""
    default_lang = settings.lang
    console = mount_console(app, settings)
    # signing in on the identity provider's own page, when OpenID Connect is configured
    provider_sign_in = mount_sign_in(app, settings, console)

    @app.get("/", include_in_schema=False)
    async def chat_page(request: Request) -> HTMLResponse:
        """Serve the web chat; `?embed=1` is the compact page the widget frames."""
        embed = request.query_params.get("embed") == "1"
        lang = page_lang(request, default_lang)
        links = await _links(request)
        body = render_page("chat.html", lang=lang, embed="1" if embed else "0", links=links)
        return _page(body, embeddable=embed)

    @app.get("/console", include_in_schema=False)
    async def console_page(request: Request) -> Response:
        """Serve the support console, or 404 when no sign-in is configured for it."""
        if not console.enabled:
            return console_off()
        lang = page_lang(request, default_lang)
        sso = "1" if provider_sign_in else "0"
        body = render_page("console.html", lang=lang, sso=sso, links=await _links(request))
        return _page(body, embeddable=False)

    @app.get("/widget.js", include_in_schema=False)
    async def widget_script() -> Response:
        """Serve the script that puts a chat launcher on any website."""
        return Response(
            _template("widget.js"),
            media_type="text/javascript; charset=utf-8",
            headers={
                "Cache-Control": "public, max-age=300",
                "X-Content-Type-Options": "nosniff",
            },
        )

    @app.get("/web/citations", include_in_schema=False)
    async def citations(lang: str = "en") -> JSONResponse:
        """Return the knowledge base's citations by section id, for showing sources by id."""
        chosen = _as_lang(lang) or "en"
        return JSONResponse(
            citation_table(chosen), headers={"Cache-Control": "public, max-age=300"}
        )

    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")

    # Exact origins only (ADVISOR_CORS_ORIGINS, a JSON list); no credentials are ever needed.
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "DELETE"],
        allow_headers=["Content-Type", "Accept"],
        max_age=600,
    )
