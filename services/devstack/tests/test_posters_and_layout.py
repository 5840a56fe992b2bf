"""Posters (valid SVG, served by the static route) and the stack's ports and files."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
from movieweb_devstack.layout import BACKENDS, Layout
from movieweb_devstack.posters import poster_svg, posters_app, write_poster
from movieweb_devstack.stack import all_ports, process_specs, service_env


def test_poster_is_valid_svg_with_escaped_title_and_year() -> None:
    svg = poster_svg("k1", 'Fast & "Furious" <IX>', 2021)
    root = ET.fromstring(svg)
    assert root.tag.endswith("svg")
    text = " ".join("".join(t.itertext()) for t in root.iter() if t.tag.endswith("text"))
    assert 'Fast & "Furious" <IX>' in text
    assert "2021" in text


def test_poster_colour_follows_the_key() -> None:
    assert poster_svg("a", "T", 2000) == poster_svg("a", "T", 2000)
    assert poster_svg("a", "T", 2000) != poster_svg("b", "T", 2000)


def test_long_titles_are_wrapped_and_cut() -> None:
    svg = poster_svg("k", "word " * 80, 1999)
    lines = [t for t in ET.fromstring(svg).iter() if t.tag.endswith("text")]
    assert len(lines) <= 5  # at most 4 title lines and the year


def test_static_route_serves_written_posters(tmp_path: Path, serve) -> None:
    write_poster(tmp_path, "abc", "Heat", 1995)
    url = serve(posters_app(tmp_path))
    reply = httpx.get(f"{url}/posters/abc.svg")
    assert reply.status_code == 200
    assert reply.headers["content-type"].startswith("image/svg+xml")
    assert "Heat" in reply.text
    assert httpx.get(f"{url}/posters/missing.svg").status_code == 404
    assert httpx.get(f"{url}/posters/../etc/passwd").status_code == 404


def test_ports_are_distinct_and_gateways_consecutive() -> None:
    layout = Layout(Path("/d"), 8000, gateway_processes=3)
    assert [layout.port(s) for s in ("movies", "users", "reviews", "relations")] == [
        8001,
        8002,
        8003,
        8004,
    ]
    assert layout.gateway_ports == [8000, 8021, 8022]
    ports = all_ports(layout)
    assert len(ports) == len(set(ports))


def test_every_service_gets_its_shard_map_jwks_and_readable_logs() -> None:
    layout = Layout(Path("/d"), 9000, gateway_processes=2)
    specs = {s.name: s for s in process_specs(layout)}
    assert set(specs) == {*BACKENDS, "gateway-0", "gateway-1", "webapp"}
    # The web app's server on port base + 80, forwarding /v1 to the first gateway.
    web = specs.pop("webapp")
    assert web.argv[-6:] == [
        "--host",
        "127.0.0.1",
        "--port",
        "9080",
        "--gateway",
        "http://127.0.0.1:9000",
    ]
    assert web.ready_url == "http://127.0.0.1:9080/healthz"
    for service in BACKENDS:
        env = specs[service].env
        prefix = f"MOVIEWEB_{service.upper()}_"
        assert env[f"{prefix}SHARD_MAP_FILE"] == f"/d/shardmaps/{service}.json"
        assert env[f"{prefix}JWKS_URL"] == "http://127.0.0.1:9002/.well-known/jwks.json"
        assert env[f"{prefix}LOG_JSON"] == "false"
        assert env[f"{prefix}ACCESS_LOG"] == "true"
        assert specs[service].ready_url == f"{layout.url(service)}/readyz"
    assert (
        service_env("users", layout, 9002)["MOVIEWEB_USERS_SIGNING_KEY_FILE"]
        == "/d/secrets/users-signing-key.pem"
    )
    gateway = specs["gateway-1"].env
    assert gateway["MOVIEWEB_GATEWAY_PORT"] == "9021"
    assert gateway["MOVIEWEB_GATEWAY_REDIS_URL"] == "redis://127.0.0.1:9009/0"
    assert gateway["MOVIEWEB_GATEWAY_REVIEWS_URL"] == "http://127.0.0.1:9003"
    assert gateway["MOVIEWEB_GATEWAY_COOKIE_SECURE"] == "false"
    quiet = [s for s in process_specs(layout, access_log=False) if s.name != "webapp"]
    assert {s.env[f"MOVIEWEB_{s.name.split('-')[0].upper()}_ACCESS_LOG"] for s in quiet} == {
        "false"
    }
