"""`/docs`: Swagger UI for the live OpenAPI schema, from assets installed with the package.

FastAPI's own page loads Swagger UI from a CDN, which leaves a blank page on a machine with no
internet; the `fastapi-swagger` package ships a current Swagger UI build, served here instead.
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs/assets"


def mount_docs(app: FastAPI) -> None:
    """Serve Swagger UI at /docs and its script, style and icon under /docs/assets."""
    assets = Path(str(files("fastapi_swagger") / "resources"))
    app.mount(ASSETS, StaticFiles(directory=assets), name="docs-assets")

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{app.title} API",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon-32x32.png",
        )
