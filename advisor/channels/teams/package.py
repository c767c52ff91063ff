"""The Teams app package: the manifest and the zip of it with the icons, to upload to Teams."""

from __future__ import annotations

import io
import json
import re
import uuid
import zipfile
from typing import Any

from advisor import __version__
from advisor.channels.teams.icons import ACCENT, color_icon, outline_icon
from advisor.errors import UserError

MANIFEST_VERSION = "1.30"
MANIFEST_SCHEMA = f"https://developer.microsoft.com/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
_GUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def check_bot_id(bot_id: str) -> str:
    """Return a bot id if it is a GUID (the bot's Microsoft App ID), else raise UserError."""
    if not _GUID.fullmatch(bot_id.strip()):
        raise UserError(
            f"--bot-id: must be the bot's Microsoft App ID, a GUID such as "
            f"00000000-0000-0000-0000-000000000000 (got {bot_id!r})",
            field="bot_id",
        )
    return bot_id.strip().lower()


def manifest(
    bot_id: str, name: str = "Motion Advisor", website: str = "https://example.com"
) -> dict[str, Any]:
    """Build the Teams app manifest for a bot."""
    if not 1 <= len(name) <= 30:
        raise UserError(f"--name: must be 1 to 30 characters (got {len(name)})", field="name")
    site = website.rstrip("/")
    if not site.startswith("https://"):
        raise UserError("--website: must be an https:// URL", field="website")
    version = re.match(r"\d+\.\d+\.\d+", __version__)
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": version.group(0) if version else "1.0.0",
        # Stable per bot, so a rebuilt package upgrades the installed app instead of adding one.
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"motion-advisor:teams:{bot_id}")),
        "developer": {
            "name": name,
            "websiteUrl": site,
            "privacyUrl": f"{site}/privacy",
            "termsOfUseUrl": f"{site}/terms",
        },
        "name": {"short": name, "full": f"{name}: how to buy Microsoft cloud services"[:100]},
        "description": {
            "short": "Which way to buy Microsoft cloud: CSP partner, Microsoft seller or online",
            "full": "Motion Advisor asks a few questions about your organisation and recommends "
            "a purchasing motion: breadth through a Cloud Solution Provider (CSP) partner, "
            "enterprise through an Enterprise Agreement or MCA with a Microsoft seller, or "
            "self-service online. Every recommendation cites the published guidance it rests "
            "on. In English and Japanese.",
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": bot_id,
                "scopes": ["personal", "team", "groupChat"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [
                    {
                        "scopes": ["personal", "team", "groupChat"],
                        "commands": [
                            {
                                "title": "Start",
                                "description": "Find how your organisation should buy "
                                "Microsoft cloud services",
                            },
                        ],
                    }
                ],
            }
        ],
        "validDomains": [],
    }


def app_package(
    bot_id: str, name: str = "Motion Advisor", website: str = "https://example.com"
) -> bytes:
    """Build the Teams app package: manifest.json and the two icons, zipped."""
    document = manifest(check_bot_id(bot_id), name, website)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(document, indent=2, ensure_ascii=False))
        archive.writestr("color.png", color_icon())
        archive.writestr("outline.png", outline_icon())
    return buffer.getvalue()
