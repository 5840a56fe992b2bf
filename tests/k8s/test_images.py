"""The Dockerfiles, checked without a Docker engine.

Static rules (multi-stage, pinned bases, non-root numeric USER, OCI labels, the chart's
command) for every image, and for the Python images a replay of their dependency steps: the
same `uv sync` commands, with the same environment, on a copy of exactly what the Dockerfile
COPYs, proving the lock file installs the package non-editable with its `movieweb` entry point
and without the other services' code.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PY_IMAGES = {
    "movies": "services/movies",
    "users": "services/users",
    "reviews": "services/reviews",
    "relations": "services/relations",
    "gateway": "services/gateway",
    "operator": "operator",
}
ALL_IMAGES = {**PY_IMAGES, "webapp": "services/webapp"}


def dockerfile(name: str) -> str:
    return (REPO / ALL_IMAGES[name] / "Dockerfile").read_text()


def instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with line continuations joined; heredoc bodies skipped."""
    out: list[tuple[str, str]] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        i += 1
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        while line.endswith("\\") and i < len(lines):
            line = line[:-1] + " " + lines[i].strip()
            i += 1
        word, _, rest = line.strip().partition(" ")
        out.append((word.upper(), rest.strip()))
        m = re.search(r"<<-?'?(\w+)'?", rest)
        if m:  # skip the heredoc body
            while i < len(lines) and lines[i].strip() != m.group(1):
                i += 1
            i += 1
    return out


def stages(text: str) -> dict[str, list[tuple[str, str]]]:
    result: dict[str, list[tuple[str, str]]] = {}
    current = None
    for ins, args in instructions(text):
        if ins == "FROM":
            current = args.split(" AS ")[-1].strip() if " AS " in args else args
            result[current] = [("FROM", args)]
        elif current is not None:
            result[current].append((ins, args))
    return result


def args_defaults(text: str) -> dict[str, str]:
    return {m.group(1): m.group(2) for m in re.finditer(r"^ARG (\w+)=(\S+)$", text, re.M)}


@pytest.mark.parametrize("name", sorted(ALL_IMAGES))
def test_dockerfile_rules(name: str) -> None:
    text = dockerfile(name)
    st = stages(text)
    assert len(st) >= 2, "multi-stage build"
    defaults = args_defaults(text)
    final_name, final = list(st.items())[-1]
    assert final_name == "runtime", "the last stage (what `docker build` produces) is runtime"
    for stage in st.values():
        base = stage[0][1].split(" AS ")[0].strip()
        base = re.sub(r"\$\{(\w+)\}", lambda m: defaults.get(m.group(1), m.group(0)), base)
        if base in st:
            continue
        assert ":" in base, f"base image {base} has no tag"
        assert not base.endswith(":latest"), f"base image {base} is not pinned"
    users = [a for i, a in final if i == "USER"]
    assert users, "runtime stage sets USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit(), "numeric USER (runAsNonRoot can only verify a numeric one)"
    assert int(uid) != 0, "non-root USER"
    labels = " ".join(a for i, a in final if i == "LABEL")
    for key in ("title", "description", "version", "revision", "created", "licenses"):
        assert f"org.opencontainers.image.{key}=" in labels, f"OCI label {key}"
    assert "latest" not in re.findall(r"image\.version=\"?([^\" ]+)", labels)


@pytest.mark.parametrize("name", sorted(set(PY_IMAGES) - {"operator"}))
def test_python_image_runs_the_charts_command(name: str, render) -> None:
    final = stages(dockerfile(name))["runtime"]
    entrypoint = [a for i, a in final if i == "ENTRYPOINT"]
    cmd = [a for i, a in final if i == "CMD"]
    assert entrypoint
    assert yaml.safe_load(entrypoint[-1]) == ["movieweb"]
    assert yaml.safe_load(cmd[-1]) == ["serve", name, "--host", "0.0.0.0", "--port", "8000"]
    dep = next(
        o
        for o in render("default")
        if o["kind"] == "Deployment" and o["metadata"]["name"] == f"mw-movieweb-{name}"
    )
    container = dep["spec"]["template"]["spec"]["containers"][0]
    assert container["command"] == ["movieweb", *yaml.safe_load(cmd[-1])]
    assert dep["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == 10001
    assert "EXPOSE" in {i for i, _ in final} or "EXPOSE" in dockerfile(name)


def test_dockerignore_keeps_the_context_small() -> None:
    ignored = (REPO / ".dockerignore").read_text().splitlines()
    for pattern in (
        "**/.venv",
        "**/.git",
        "**/node_modules",
        "**/__pycache__",
        "bin/",
        "services/*/tests/",
    ):
        assert pattern in ignored, pattern


@pytest.mark.parametrize("name", sorted(PY_IMAGES))
def test_python_image_dependency_steps(name: str, tmp_path: Path) -> None:
    """Replay the uv steps of the `uv` and `builder` stages exactly as the Dockerfile has them."""
    uv = shutil.which("uv")
    if uv is None:
        pytest.fail("uv is not installed") if os.environ.get("CI") else pytest.skip(
            "uv not installed"
        )
    package = args_defaults(dockerfile(name))["PACKAGE"]
    lock = (REPO / "uv.lock").read_text()
    if f'name = "{package}"' not in lock:
        pytest.skip(f"{package} is not in uv.lock yet (add {PY_IMAGES[name]} to the uv workspace)")
    st = stages(dockerfile(name))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))}
    venv = tmp_path / "venv"
    for stage in ("uv", "builder"):
        for ins, args in st[stage]:
            if ins == "ENV":
                for k, v in re.findall(r"(\w+)=(\S+)", args):
                    env[k] = v
            elif ins == "COPY" and "--from" not in args:
                *sources, dest = args.split()
                for src in sources:
                    # `COPY a b ./` keeps the names; `COPY dir dir` copies to that path.
                    target = tmp_path / "app" / (src if dest in ("./", ".") else dest)
                    if (REPO / src).is_dir():
                        shutil.copytree(
                            REPO / src,
                            target,
                            ignore=shutil.ignore_patterns(
                                "tests", "__pycache__", ".venv", "node_modules", "bench"
                            ),
                        )
                    else:
                        target.parent.mkdir(parents=True, exist_ok=True)
                        shutil.copy(REPO / src, target)
            elif ins == "RUN" and "uv sync" in args:
                cmd = args[args.index("uv sync") :].replace('"${PACKAGE}"', package).split()
                env["UV_PROJECT_ENVIRONMENT"] = str(venv)
                # Byte-compiling and copying (vs hard links) change nothing in what gets installed
                # and are the slow parts here.
                env["UV_COMPILE_BYTECODE"] = "0"
                env["UV_LINK_MODE"] = "hardlink"
                proc = subprocess.run(
                    [uv, *cmd[1:]],
                    cwd=tmp_path / "app",
                    env=env,
                    capture_output=True,
                    text=True,
                    timeout=600,
                )
                assert proc.returncode == 0, f"{stage}: {' '.join(cmd)}\n{proc.stderr[-3000:]}"
    site = next((venv / "lib").glob("python3*/site-packages"))
    module = package.replace("-", "_")
    assert (site / module).is_dir(), f"{module} not installed as a regular package"
    assert not list(site.glob("*.pth")) or not any(
        "services" in p.read_text() for p in site.glob("*.pth")
    ), "runtime venv must not point at the source tree (editable install)"
    others = {
        p.name for p in site.glob("movieweb_*") if p.is_dir() and not p.name.endswith(".dist-info")
    } - {module, "movieweb_shared"}
    assert not others, f"the {name} image would carry other services' code: {others}"
    if name != "operator":
        assert (venv / "bin" / "movieweb").exists(), "the movieweb entry point is missing"
