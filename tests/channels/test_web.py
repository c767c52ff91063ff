"""The web channels over plain HTTP: pages, the widget script, static files and CORS."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from pydantic import SecretStr

from advisor.channels.http import create_app
from advisor.channels.web import STATIC_DIR
from advisor.config import Settings
from advisor.guidance.index import GuidanceIndex
from tests.servers import serve_app

ALLOWED = "https://shop.contoso.example"


@pytest.fixture(scope="module")
def base_url(
    tmp_path_factory: pytest.TempPathFactory, guidance_index: GuidanceIndex
) -> Iterator[str]:
    settings = Settings(
        data_dir=tmp_path_factory.mktemp("web-http"),
        cors_origins=[ALLOWED],
        console_token=SecretStr("test-console-token"),  # the console is off without sign-in
    )
    with serve_app(create_app(settings, index=guidance_index)) as url:
        yield url


@pytest.fixture
def http(base_url: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        yield client


def html_lang(text: str) -> str:
    match = re.search(r"<html lang=\"([^\"]*)\">", text)
    assert match, text[:200]
    return match.group(1)


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "headers", "lang"),
    [
        ("/", {}, "en"),
        ("/", {"Accept-Language": "ja-JP,ja;q=0.9,en;q=0.8"}, "ja"),
        ("/", {"Accept-Language": "fr-FR,en;q=0.5,ja;q=0.7"}, "ja"),
        ("/", {"Accept-Language": "de-DE"}, "en"),
        ("/?lang=ja", {"Accept-Language": "en-US"}, "ja"),
        ("/?lang=xx", {}, "en"),
        ("/console", {}, "en"),
        ("/console?lang=ja", {}, "ja"),
        ("/console", {"Accept-Language": "ja"}, "ja"),
    ],
)
def test_pages_are_html_in_the_right_language(
    http: httpx.Client, path: str, headers: dict[str, str], lang: str
) -> None:
    response = http.get(path, headers=headers)
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/html; charset=utf-8"
    assert html_lang(response.text) == lang
    assert "{{" not in response.text


@pytest.mark.slow
def test_the_chat_page_has_what_a_screen_reader_needs(http: httpx.Client) -> None:
    page = http.get("/").text
    assert 'role="log" aria-live="polite"' in page
    assert '<label for="message"' in page
    assert 'data-lang-choice="ja" lang="ja"' in page
    assert 'data-embed="0"' in page
    assert 'data-embed="1"' in http.get("/?embed=1").text


@pytest.mark.slow
def test_pages_load_nothing_from_other_origins(http: httpx.Client) -> None:
    for path in ("/", "/console"):
        page = http.get(path).text
        assert not re.search(r"(src|href)=\"(https?:)?//", page), path
    for name in ("chat.js", "common.js", "console.js", "app.css"):
        text = (STATIC_DIR / name).read_text(encoding="utf-8")
        assert (
            "@import" not in text and "fonts.googleapis" not in text and "cdn" not in text.lower()
        )


@pytest.mark.slow
def test_only_the_embed_page_may_be_framed_by_other_sites(http: httpx.Client) -> None:
    assert "frame-ancestors 'self'" in http.get("/").headers["content-security-policy"]
    assert "frame-ancestors *" in http.get("/?embed=1").headers["content-security-policy"]
    assert "frame-ancestors 'self'" in http.get("/console").headers["content-security-policy"]


@pytest.mark.slow
def test_widget_script_is_javascript(http: httpx.Client) -> None:
    response = http.get("/widget.js")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "document.currentScript" in response.text
    assert "/?embed=1" in response.text


@pytest.mark.slow
@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/static/app.css", "text/css"),
        ("/static/chat.js", "text/javascript"),
        ("/static/console.js", "text/javascript"),
        ("/static/i18n.js", "text/javascript"),
    ],
)
def test_static_files_are_served(http: httpx.Client, path: str, kind: str) -> None:
    response = http.get(path)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(kind)


@pytest.mark.slow
def test_unknown_static_file_is_a_json_404(http: httpx.Client) -> None:
    response = http.get("/static/nope.js")
    assert response.status_code == 404
    assert response.json() == {"error": "Not Found"}


@pytest.mark.slow
def test_citations_by_id_in_both_languages(http: httpx.Client) -> None:
    en = http.get("/web/citations", params={"lang": "en"}).json()
    ja = http.get("/web/citations", params={"lang": "ja"}).json()
    assert set(en) == set(ja) and "partner-economics-thresholds" in en
    assert en["breadth-motion"]["lang"] == "en" and ja["breadth-motion"]["lang"] == "ja"
    assert re.fullmatch(r"\d{4}-\d{2}(-\d{2})?", en["breadth-motion"]["published"])


def preflight(http: httpx.Client, origin: str, method: str = "POST") -> httpx.Response:
    return http.options(
        "/v1/chat/stream",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "content-type",
        },
    )


@pytest.mark.slow
def test_cors_preflight_from_an_allowed_origin_is_accepted(http: httpx.Client) -> None:
    response = preflight(http, ALLOWED)
    assert response.status_code == 200
    assert response.headers["access-control-allow-origin"] == ALLOWED
    assert "POST" in response.headers["access-control-allow-methods"]
    assert "content-type" in response.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in response.headers


@pytest.mark.slow
@pytest.mark.parametrize(
    "origin",
    ["https://evil.example", "http://shop.contoso.example", "https://shop.contoso.example.evil"],
)
def test_cors_preflight_from_another_origin_is_refused(http: httpx.Client, origin: str) -> None:
    response = preflight(http, origin)
    assert response.status_code == 400
    assert "access-control-allow-origin" not in response.headers


@pytest.mark.slow
def test_cors_headers_on_an_api_answer(http: httpx.Client) -> None:
    allowed = http.post("/v1/classify", json={"seats": 10}, headers={"Origin": ALLOWED})
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    other = http.post(
        "/v1/classify", json={"seats": 10}, headers={"Origin": "https://evil.example"}
    )
    assert "access-control-allow-origin" not in other.headers


def test_cors_origins_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ADVISOR_CORS_ORIGINS", '["https://a.example", "https://b.example:8443"]')
    assert Settings().cors_origins == ["https://a.example", "https://b.example:8443"]
