"""The web app's whole test suite, run from pytest (so from the README's test command).

Each step is a subprocess whose output is printed (``pytest -s`` shows it live; on failure it
is in the assertion message):

1. ``npm ci`` in services/webapp, skipped while ``package-lock.json`` is unchanged since the
   last install (its hash is kept in ``node_modules/.movieweb-lock.sha256``);
2. ``vitest run``: unit and component tests, the API-client drift check and the bundle-size
   budget (which makes its own production build);
3. ``npm run build``: type check (``tsc -b``) and the production build served below;
4. Playwright (``@playwright/test``) driving Debian's Chromium headless against the real local
   stack: ``movieweb up --no-seed`` in a scratch directory on a free block of ports, and the
   built app served by ``services/webapp/scripts/serve.mjs`` (one origin, ``/v1`` forwarded
   to the gateway). Screenshots go to ``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from movieweb_devstack.layout import Layout
from movieweb_devstack.stack import busy_ports

ROOT = Path(__file__).resolve().parents[2]
WEBAPP = ROOT / "services" / "webapp"
BROWSER_TESTS = Path(__file__).resolve().parent
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = Path("/usr/bin/chromium")
READY_LINE = "running; press Ctrl-C to stop"

pytestmark = pytest.mark.slow


def run(
    argv: list[str], *, cwd: Path = WEBAPP, timeout: float, env: dict[str, str] | None = None
) -> str:
    """Run a step; print its output; fail with the output when it fails."""
    start = time.monotonic()
    proc = subprocess.run(
        argv,
        cwd=cwd,
        env={**os.environ, "CI": "1", "FORCE_COLOR": "0", "NO_COLOR": "1", **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=timeout,
        check=False,
    )
    took = time.monotonic() - start
    print(f"\n$ {' '.join(argv)}   ({took:.1f} s, exit {proc.returncode})\n{proc.stdout}")
    assert proc.returncode == 0, (
        f"{' '.join(argv)} failed (exit {proc.returncode}):\n{proc.stdout[-12000:]}"
    )
    return proc.stdout


@pytest.fixture(scope="module")
def node_modules() -> Path:
    """``npm ci``, once per change of the lock file."""
    if shutil.which("npm") is None:
        pytest.fail("npm is not installed (Node 20.19+ is needed for services/webapp)")
    lock = WEBAPP / "package-lock.json"
    stamp = WEBAPP / "node_modules" / ".movieweb-lock.sha256"
    digest = hashlib.sha256(lock.read_bytes()).hexdigest()
    if not stamp.exists() or stamp.read_text().strip() != digest:
        run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], timeout=300)
        stamp.write_text(digest + "\n")
    return WEBAPP / "node_modules"


@pytest.fixture(scope="module")
def built(node_modules: Path) -> Path:
    """Type check and production build (dist/ is what serve.mjs and nginx serve)."""
    run(["npm", "run", "build", "--silent"], timeout=240)
    assert (WEBAPP / "dist" / "index.html").exists()
    return WEBAPP / "dist"


def test_vitest_unit_component_drift_and_budget(node_modules: Path) -> None:
    out = run([str(node_modules / ".bin" / "vitest"), "run", "--reporter=verbose"], timeout=240)
    assert "initial JS:" in out  # the budget test ran and reported its measurement


# -- the full stack for the browser ------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def free_port_base() -> int:
    rng = random.Random()
    for _ in range(200):
        base = rng.randrange(20000, 60000, 100)
        if not busy_ports(Layout(Path("/nonexistent"), base, 1)):
            return base
    raise RuntimeError("no free block of ports")


class Process:
    """A child process whose combined output is collected line by line."""

    def __init__(self, argv: list[str], ready: str, cwd: Path = ROOT) -> None:
        self.lines: list[str] = []
        self.ready = threading.Event()
        self.marker = ready
        self.argv = argv
        self.process = subprocess.Popen(
            argv,
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "COLUMNS": "200"},
        )
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))
            if self.marker in line:
                self.ready.set()

    def tail(self, n: int = 100) -> str:
        return "\n".join(self.lines[-n:])

    def wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self.ready.wait(0.5):
            assert self.process.poll() is None, f"{self.argv[0]} exited early:\n{self.tail()}"
            assert time.monotonic() < deadline, f"not ready in {timeout} s:\n{self.tail()}"

    def stop(self, timeout: float = 60) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # Ctrl-C: the stack stops in order
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)


@pytest.fixture(scope="module")
def chromium() -> Path:
    """Debian's Chromium (apt), before the stack starts: an install can take a while."""
    run(["bash", str(WEBAPP / "scripts" / "ensure-chromium.sh")], timeout=600)
    assert CHROMIUM.exists()
    return CHROMIUM


@dataclass
class Site:
    url: str  # the web app (serve.mjs)
    gateway: str
    up: Process


@pytest.fixture(scope="module")
def site(built: Path, chromium: Path) -> Iterator[Site]:
    # Outside pytest's tmp: as root, Postgres runs as the pgserver user and must traverse every
    # parent directory, which pytest's 0700 basetemp forbids.
    scratch = Path(tempfile.mkdtemp(prefix="movieweb-browser-"))
    movieweb = str(Path(sys.executable).parent / "movieweb")
    base = free_port_base()
    layout = Layout(scratch / "data", base, 1)
    up = Process(
        [movieweb, "up", "--no-seed", "--data-dir", str(layout.data_dir), "--port-base", str(base)],
        READY_LINE,
    )
    web: Process | None = None
    try:
        up.wait_ready(240)
        port = free_port()
        web = Process(
            [
                "node",
                str(WEBAPP / "scripts" / "serve.mjs"),
                "--port",
                str(port),
                "--gateway",
                layout.gateway_url,
                "--dist",
                str(built),
            ],
            "movieweb webapp on",
        )
        web.wait_ready(30)
        url = f"http://127.0.0.1:{port}"
        with urllib.request.urlopen(f"{url}/v1/movies?limit=1", timeout=10) as answer:
            assert answer.status == 200  # the app's origin reaches the gateway
        yield Site(url, layout.gateway_url, up)
    finally:
        if web is not None:
            web.stop(10)
        up.stop()
        shutil.rmtree(scratch, ignore_errors=True)


def fetch(
    url: str, *, method: str = "GET", headers: dict[str, str] | None = None
) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(
        url, method=method, headers=headers or {}, data=b"{}" if method == "POST" else None
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, {k.lower(): v for k, v in answer.headers.items()}, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


def test_static_server_serves_the_app_like_nginx(site: Site) -> None:
    # A client-side route gets index.html, revalidated, with the security headers.
    status, headers, body = fetch(f"{site.url}/movies/some-id")
    assert status == 200 and b'<div id="root">' in body
    assert headers["cache-control"] == "no-cache"
    assert "script-src 'self'" in headers["content-security-policy"]
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    # Hashed assets are cached for a year; a missing one is a 404, not index.html.
    asset = next((WEBAPP / "dist" / "assets").glob("index-*.js")).name
    status, headers, _ = fetch(f"{site.url}/assets/{asset}", headers={"Accept-Encoding": "gzip"})
    assert status == 200 and "immutable" in headers["cache-control"]
    assert headers["content-encoding"] == "gzip"
    assert fetch(f"{site.url}/assets/index-gone.js")[0] == 404
    assert fetch(f"{site.url}/../../etc/passwd")[0] in (200, 404)  # never outside dist/
    assert b"root:" not in fetch(f"{site.url}/%2e%2e/%2e%2e/etc/passwd")[2]


def test_static_server_refuses_writes_from_other_origins(site: Site) -> None:
    body_headers = {"Content-Type": "application/json"}
    foreign = fetch(
        f"{site.url}/v1/auth/log-in",
        method="POST",
        headers={**body_headers, "Origin": "http://evil.example"},
    )
    assert foreign[0] == 403
    # Its own origin passes the origin check and reaches the gateway (which validates the body).
    own = fetch(
        f"{site.url}/v1/auth/log-in", method="POST", headers={**body_headers, "Origin": site.url}
    )
    assert own[0] == 422


def test_browser_journey_in_chromium(chromium: Path, site: Site, node_modules: Path) -> None:
    shots = ARTIFACTS / "screenshots"
    for name in ("home", "movie", "user"):
        (shots / f"{name}.png").unlink(missing_ok=True)
    try:
        run(
            [
                str(node_modules / ".bin" / "playwright"),
                "test",
                "-c",
                str(BROWSER_TESTS / "playwright.config.ts"),
            ],
            cwd=BROWSER_TESTS,
            timeout=300,
            env={
                "MOVIEWEB_WEBAPP_URL": site.url,
                "MOVIEWEB_GATEWAY_URL": site.gateway,
                "MOVIEWEB_TEST_ARTIFACTS": str(ARTIFACTS),
                # The specs live outside services/webapp: resolve @playwright/test from there.
                "NODE_PATH": str(node_modules),
                "PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD": "1",
            },
        )
    except AssertionError as failure:
        tail = site.up.tail(60)
        raise AssertionError(f"{failure}\n--- movieweb up (tail) ---\n{tail}") from None
    for name in ("home", "movie", "user"):
        assert (shots / f"{name}.png").stat().st_size > 10_000, f"screenshot {name}.png missing"


def test_nginx_conf_serves_the_build(built: Path, tmp_path: Path) -> None:
    """services/webapp/nginx.conf in a real nginx (when installed; the image uses the same file):
    SPA fallback, immutable hashed assets, gzip, CSP and the other headers, no build metadata."""
    # The project's own script installs nginx-light (beside Chromium) when it is missing.
    run(["bash", str(WEBAPP / "scripts" / "ensure-chromium.sh")], timeout=600)
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    port = free_port()
    conf = (WEBAPP / "nginx.conf").read_text()
    conf = conf.replace("/usr/share/nginx/html", str(built))
    conf = conf.replace("listen 8080;", f"listen 127.0.0.1:{port};").replace(
        "listen [::]:8080;", ""
    )
    (tmp_path / "default.conf").write_text(conf)
    temp = tmp_path / "temp"
    temp.mkdir()
    paths = " ".join(
        f"{kind}_temp_path {temp};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    mime = "/etc/nginx/mime.types"
    (tmp_path / "nginx.conf").write_text(
        f"worker_processes 1; pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        "events { worker_connections 64; }\n"
        f"http {{ include {mime}; default_type application/octet-stream; access_log off; {paths}\n"
        f"  include {tmp_path}/default.conf; }}\n"
    )
    run([nginx, "-t", "-c", str(tmp_path / "nginx.conf")], cwd=tmp_path, timeout=30)
    run([nginx, "-c", str(tmp_path / "nginx.conf")], cwd=tmp_path, timeout=30)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(50):
            with contextlib.suppress(OSError):
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            time.sleep(0.1)
        status, headers, body = fetch(f"{url}/users/someone")
        assert status == 200 and b'<div id="root">' in body
        assert headers["cache-control"] == "no-cache"
        csp = headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "connect-src 'self' https://api.movieweb.local" in csp
        assert headers["x-content-type-options"] == "nosniff"
        asset = next((built / "assets").glob("index-*.js")).name
        status, headers, _ = fetch(f"{url}/assets/{asset}", headers={"Accept-Encoding": "gzip"})
        assert status == 200
        assert headers["cache-control"] == "public, max-age=31536000, immutable"
        assert headers["content-encoding"] == "gzip"
        assert "content-security-policy" in headers  # headers repeated in every location
        assert fetch(f"{url}/assets/index-gone.js")[0] == 404
        assert fetch(f"{url}/.vite/manifest.json")[0] == 404
        assert fetch(f"{url}/healthz")[0] == 200
    finally:
        subprocess.run(
            [nginx, "-c", str(tmp_path / "nginx.conf"), "-s", "stop"], check=False, timeout=30
        )
