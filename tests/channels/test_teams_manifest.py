"""`advisor teams-manifest`: the Teams app package, as a user would build and upload it."""

from __future__ import annotations

import json
import struct
import uuid
import zipfile
import zlib
from pathlib import Path

import pytest

from tests.cli_helpers import run_cli

BOT_ID = "6f1c2b1e-3d4a-4b5c-9d8e-7f6a5b4c3d2e"


def decode_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Return width, height and RGBA rows of an 8-bit RGBA PNG without row filters."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body)
        if kind == b"IHDR":
            header = body
        elif kind == b"IDAT":
            idat += body
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert (depth, colour) == (8, 6)
    raw = zlib.decompress(idat)
    stride = 1 + 4 * width
    rows = [raw[y * stride : (y + 1) * stride] for y in range(height)]
    assert all(row[0] == 0 for row in rows)
    return width, height, [row[1:] for row in rows]


def pixels(rows: list[bytes]) -> set[tuple[int, ...]]:
    return {tuple(row[i : i + 4]) for row in rows for i in range(0, len(row), 4)}


def build(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> zipfile.ZipFile:
    out = tmp_path / "app.zip"
    run = run_cli(
        ["teams-manifest", "--bot-id", BOT_ID, "--out", str(out), *args], "", capsys, monkeypatch
    )
    assert (run.code, run.err) == (0, "")
    assert run.out == f"Wrote {out}: Teams app manifest 1.30 for bot {BOT_ID}\n"
    return zipfile.ZipFile(out)


def test_the_package_holds_the_manifest_and_both_icons(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with build(tmp_path, capsys, monkeypatch) as package:
        assert sorted(package.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(package.read("manifest.json"))
        color = decode_png(package.read("color.png"))
        outline = decode_png(package.read("outline.png"))

    assert (
        manifest["$schema"]
        == "https://developer.microsoft.com/json-schemas/teams/v1.30/MicrosoftTeams.schema.json"
    )
    assert manifest["manifestVersion"] == "1.30"
    assert [bot["botId"] for bot in manifest["bots"]] == [BOT_ID]
    assert manifest["bots"][0]["scopes"] == ["personal", "team", "groupChat"]
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert manifest["name"]["short"] == "Motion Advisor"
    assert len(manifest["description"]["short"]) <= 80
    assert str(uuid.UUID(manifest["id"])) == manifest["id"]
    for key in ("websiteUrl", "privacyUrl", "termsOfUseUrl"):
        assert manifest["developer"][key].startswith("https://")

    assert color[:2] == (192, 192)
    assert outline[:2] == (32, 32)
    # The colour icon is opaque; the outline icon is white on transparent, as Teams requires.
    assert {p[3] for p in pixels(color[2])} == {255}
    assert pixels(outline[2]) == {(255, 255, 255, 255), (0, 0, 0, 0)}


def test_the_app_id_is_stable_per_bot_and_the_name_is_used(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    with build(tmp_path, capsys, monkeypatch) as first:
        first_id = json.loads(first.read("manifest.json"))["id"]
    with build(tmp_path, capsys, monkeypatch, "--name", "Contoso Buying Help") as second:
        manifest = json.loads(second.read("manifest.json"))
    assert manifest["id"] == first_id
    assert manifest["name"]["short"] == "Contoso Buying Help"


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (
            ["--bot-id", "not-a-guid"],
            "Error: --bot-id: must be the bot's Microsoft App ID, a GUID such as "
            "00000000-0000-0000-0000-000000000000 (got 'not-a-guid')\n",
        ),
        (
            ["--bot-id", BOT_ID + "0"],
            "Error: --bot-id: must be the bot's Microsoft App ID, a GUID such as "
            f"00000000-0000-0000-0000-000000000000 (got '{BOT_ID}0')\n",
        ),
        (
            ["--bot-id", BOT_ID, "--name", "A name that is far too long for Teams"],
            "Error: --name: must be 1 to 30 characters (got 37)\n",
        ),
        (
            ["--bot-id", BOT_ID, "--website", "http://example.com"],
            "Error: --website: must be an https:// URL\n",
        ),
    ],
)
def test_bad_options_exit_2_with_one_line(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    error: str,
) -> None:
    out = tmp_path / "app.zip"
    run = run_cli(["teams-manifest", *args, "--out", str(out)], "", capsys, monkeypatch)
    assert (run.code, run.out, run.err) == (2, "", error)
    assert not out.exists()
