"""The Teams app's icons: a small PNG encoder and the signpost drawing."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

ACCENT = (0x0F, 0x6C, 0xBD)


def png(width: int, height: int, pixel: Callable[[int, int], tuple[int, int, int, int]]) -> bytes:
    """Encode an RGBA image, one pixel function call per pixel, as a PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(
        b"\x00" + b"".join(bytes(pixel(x, y)) for x in range(width)) for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows, 9))
        + chunk(b"IEND", b"")
    )


def _signpost(u: float, v: float) -> bool:
    """Tell whether a point of the unit square lies on the icon: one path forking three ways."""

    def near(ax: float, ay: float, bx: float, by: float, width: float) -> bool:
        dx, dy = bx - ax, by - ay
        t = max(0.0, min(1.0, ((u - ax) * dx + (v - ay) * dy) / (dx * dx + dy * dy)))
        return (u - ax - t * dx) ** 2 + (v - ay - t * dy) ** 2 <= width * width

    fork = (0.5, 0.55)
    ends = [(0.2, 0.22), (0.5, 0.18), (0.8, 0.22)]
    if near(0.5, 0.88, *fork, 0.06):
        return True
    for x, y in ends:
        if near(*fork, x, y, 0.05) or (u - x) ** 2 + (v - y) ** 2 <= 0.1**2:
            return True
    return False


def color_icon(size: int = 192) -> bytes:
    """Draw the full-colour icon: the white fork on the accent colour."""
    white, accent = (255, 255, 255, 255), (*ACCENT, 255)
    return png(
        size, size, lambda x, y: white if _signpost((x + 0.5) / size, (y + 0.5) / size) else accent
    )


def outline_icon(size: int = 32) -> bytes:
    """Draw the outline icon: the white fork on a transparent background."""
    white, clear = (255, 255, 255, 255), (0, 0, 0, 0)
    return png(
        size, size, lambda x, y: white if _signpost((x + 0.5) / size, (y + 0.5) / size) else clear
    )
