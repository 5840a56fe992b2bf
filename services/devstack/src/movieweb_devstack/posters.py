"""Posters drawn locally: one small SVG per seeded movie, served by the stack's static route.

Why files behind a tiny static server (``http://127.0.0.1:<port_base+10>/posters/<id>.svg``)
rather than ``data:`` URIs or images from the web:
- the movies service accepts only http(s) poster URLs, and a ``data:`` URI would put kilobytes
  into every movie object, every cached ``mov:<uuid>`` entry in Redis and every list response;
- hotlinking outside images is forbidden (and would not work offline);
- the gateway is the JSON API, not a file server; in production the same role belongs to an
  object store or CDN, which a static folder on its own port imitates faithfully.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from xml.sax.saxutils import escape

from starlette.applications import Starlette
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

WIDTH, HEIGHT = 300, 450


def _colour(key: str) -> tuple[int, int, int]:
    digest = hashlib.blake2b(key.encode(), digest_size=3).digest()
    return digest[0], digest[1], digest[2]


def _wrap(title: str, width: int = 16, lines: int = 4) -> list[str]:
    out: list[str] = []
    current = ""
    for word in title.split():
        candidate = f"{current} {word}".strip()
        if len(candidate) <= width or not current:
            current = candidate
        else:
            out.append(current)
            current = word
    if current:
        out.append(current)
    if len(out) > lines:
        out = [*out[: lines - 1], out[lines - 1] + "…"]
    return [line if len(line) <= width + 4 else line[: width + 3] + "…" for line in out]


def poster_svg(key: str, title: str, year: int) -> str:
    """A poster: a gradient in a colour derived from ``key``, the title and the year."""
    r, g, b = _colour(key)
    dark = f"rgb({r // 4},{g // 4},{b // 4})"
    light = f"rgb({r},{g},{b})"
    lines = _wrap(title)
    top = HEIGHT // 2 - 22 * len(lines) // 2
    text = "".join(
        f'<text x="150" y="{top + 34 * i}" text-anchor="middle" font-size="28" '
        f'font-family="Georgia, serif" fill="#fff">{escape(line)}</text>'
        for i, line in enumerate(lines)
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}">'
        f'<defs><linearGradient id="g" x1="0" y1="0" x2="0" y2="1">'
        f'<stop offset="0" stop-color="{light}"/><stop offset="1" stop-color="{dark}"/>'
        f"</linearGradient></defs>"
        f'<rect width="{WIDTH}" height="{HEIGHT}" fill="url(#g)"/>'
        f'<rect x="12" y="12" width="{WIDTH - 24}" height="{HEIGHT - 24}" fill="none" '
        f'stroke="#fff" stroke-opacity="0.5" stroke-width="2"/>'
        f"{text}"
        f'<text x="150" y="{HEIGHT - 40}" text-anchor="middle" font-size="22" '
        f'font-family="Helvetica, Arial, sans-serif" fill="#fff" fill-opacity="0.85">{year}</text>'
        f"</svg>"
    )


def write_poster(directory: Path, key: str, title: str, year: int) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{key}.svg"
    path.write_text(poster_svg(key, title, year), encoding="utf-8")
    return path


def posters_app(directory: Path) -> Starlette:
    """The static route: ``/posters/<key>.svg`` from ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    return Starlette(
        routes=[Mount("/posters", app=StaticFiles(directory=directory), name="posters")]
    )
