"""The Dockerfiles, checked without a Docker engine.

Every Python image (the services and the operator) comes from one parameterized Dockerfile,
docker/python.Dockerfile; the web app has its own. Each image is checked as the Makefile builds
it: `make -n image-<name>` gives the Dockerfile and the build args, and the Dockerfile is
resolved with them the way BuildKit does (global and stage ARGs, ENV, `${VAR}`, `${VAR:-x}`,
`${VAR#prefix}`). Then: static rules (multi-stage, pinned bases, non-root numeric USER, OCI
labels, the chart's command) for every image, and for the Python images a replay of their
dependency steps: the same `uv sync` commands, with the same environment, on a copy of exactly
what the Dockerfile COPYs, proving the lock file installs the package non-editable with its
`movieweb` entry point and without the other services' code.
"""

from __future__ import annotations

import functools
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
PY_DOCKERFILE = "docker/python.Dockerfile"
PY_IMAGES = {
    "movies": "services/movies",
    "users": "services/users",
    "reviews": "services/reviews",
    "relations": "services/relations",
    "gateway": "services/gateway",
    "operator": "operator",
}
ALL_IMAGES = {**PY_IMAGES, "webapp": "services/webapp"}
OPERATOR_COMMAND = [
    "kopf",
    "run",
    "--standalone",
    "--liveness=http://0.0.0.0:8080/healthz",
    "-m",
    "movieweb_operator",
    "--all-namespaces",
]
# Docker expands variables in these instructions at build time (RUN and shell-form CMD are
# expanded by the shell instead).
EXPANDED = {"ADD", "COPY", "ENV", "EXPOSE", "FROM", "LABEL", "USER", "WORKDIR", "ARG"}


@functools.cache
def build(name: str) -> tuple[str, dict[str, str]]:
    """(Dockerfile path, build args) of `make image-<name>`, from the command make would run."""
    make = shutil.which("make")
    if make is None:
        pytest.skip("make is not installed")
    out = subprocess.run(
        [make, "-s", "-n", f"image-{name}", "TAG=0.1.0", "REVISION=abc1234"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    argv = shlex.split(out.replace("\\\n", " "))
    assert argv[:2] == ["docker", "build"], out
    assert argv[-1] == ".", "the build context is the repository root"
    dockerfile = argv[argv.index("-f") + 1]
    build_args = dict(argv[i + 1].split("=", 1) for i, a in enumerate(argv) if a == "--build-arg")
    return dockerfile, build_args


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


_VAR = re.compile(r"\$(?:\{(\w+)(?:(:-|#)([^}]*))?\}|(\w+))")


def expand(word: str, values: dict[str, str]) -> str:
    """Docker's variable expansion: `$V`, `${V}`, `${V:-default}`, `${V#prefix}`."""

    def sub(m: re.Match[str]) -> str:
        value = values.get(m.group(1) or m.group(4), "")
        op, arg = m.group(2), m.group(3)
        if op == ":-":
            return value or expand(arg, values)
        if op == "#":
            return value.removeprefix(arg)
        return value

    return _VAR.sub(sub, word)


def pairs(args: str) -> list[tuple[str, str | None]]:
    """`K=v K2="a b"` (ENV, LABEL, ARG) as (key, raw value) pairs; `K` alone has no value."""
    out: list[tuple[str, str | None]] = []
    for token in shlex.split(args):
        key, eq, value = token.partition("=")
        out.append((key, value if eq else None))
    return out


@dataclass
class Stage:
    instructions: list[tuple[str, str]] = field(default_factory=list)
    env: dict[str, str] = field(default_factory=dict)  # what the container gets at run time
    args: dict[str, str] = field(default_factory=dict)  # build args in scope


def stages(text: str, build_args: dict[str, str]) -> dict[str, Stage]:
    """The Dockerfile's stages with build-time variables resolved as BuildKit resolves them."""
    result: dict[str, Stage] = {}
    global_args: dict[str, str] = {}
    current: Stage | None = None
    for ins, raw in instructions(text):
        if current is None and ins == "ARG":
            for key, default in pairs(raw):
                global_args[key] = build_args.get(key, expand(default or "", global_args))
            continue
        if ins == "FROM":
            base, _, name = expand(raw, global_args).partition(" AS ")
            parent = result.get(base.strip())
            current = Stage(env=dict(parent.env) if parent else {})
            result[(name or base).strip()] = current
            current.instructions.append(("FROM", base.strip()))
            continue
        assert current is not None, f"{ins} before the first FROM"
        scope = {**current.env, **current.args}
        if ins == "ARG":
            for key, default in pairs(raw):
                if key in build_args:
                    current.args[key] = build_args[key]
                elif default is not None:
                    current.args[key] = expand(default, scope)
                else:
                    current.args[key] = global_args.get(key, "")
                scope = {**current.env, **current.args}
            args = raw
        elif ins in ("ENV", "LABEL"):
            resolved = [(k, expand(v or "", scope)) for k, v in pairs(raw)]
            if ins == "ENV":
                current.env.update(resolved)
            args = " ".join(f"{k}={shlex.quote(v)}" for k, v in resolved)
        elif ins in EXPANDED:
            args = expand(raw, scope)
        else:
            args = raw
        current.instructions.append((ins, args))
    return result


def image(name: str) -> tuple[str, dict[str, str], dict[str, Stage]]:
    """(Dockerfile text, build args, resolved stages) of one image as the Makefile builds it."""
    path, build_args = build(name)
    text = (REPO / path).read_text()
    return text, build_args, stages(text, build_args)


def default_command(stage: Stage) -> list[str]:
    """The command a container of this stage runs without one of its own (argv)."""
    entrypoint = [a for i, a in stage.instructions if i == "ENTRYPOINT"]
    cmd = [a for i, a in stage.instructions if i == "CMD"]
    assert cmd, "the stage has a CMD"
    if cmd[-1].startswith("["):
        argv = yaml.safe_load(cmd[-1])
    else:  # shell form: /bin/sh expands it from the environment at start
        argv = shlex.split(expand(cmd[-1], stage.env))
        assert argv[0] == "exec", "shell-form CMD must exec, so that the process is PID 1"
        argv = argv[1:]
    return [*(yaml.safe_load(entrypoint[-1]) if entrypoint else []), *argv]


def test_every_python_image_comes_from_one_dockerfile() -> None:
    assert {build(name)[0] for name in PY_IMAGES} == {PY_DOCKERFILE}
    assert build("webapp")[0] == "services/webapp/Dockerfile"
    leftovers = [p for p in PY_IMAGES.values() if (REPO / p / "Dockerfile").exists()]
    assert not leftovers, f"per-service Dockerfiles are back: {leftovers}"
    tiltfile = (REPO / "Tiltfile").read_text()
    assert PY_DOCKERFILE in tiltfile
    for path in re.findall(r"\"([\w/.%-]*Dockerfile)\"", tiltfile):
        assert path == PY_DOCKERFILE or (REPO / path).exists(), path


@pytest.mark.parametrize("name", sorted(ALL_IMAGES))
def test_dockerfile_rules(name: str) -> None:
    _, build_args, st = image(name)
    assert len(st) >= 2, "multi-stage build"
    final_name, final = list(st.items())[-1]
    assert final_name == "runtime", "the last stage (what `docker build` produces) is runtime"
    for stage in st.values():
        base = stage.instructions[0][1]
        if base in st:
            continue
        assert ":" in base, f"base image {base} has no tag"
        assert not base.endswith(":latest"), f"base image {base} is not pinned"
    users = [a for i, a in final.instructions if i == "USER"]
    assert users, "runtime stage sets USER"
    uid = users[-1].split(":")[0]
    assert uid.isdigit(), "numeric USER (runAsNonRoot can only verify a numeric one)"
    assert int(uid) != 0, "non-root USER"
    labels = dict(
        kv
        for i, a in final.instructions
        if i == "LABEL"
        for kv in ((k, v or "") for k, v in pairs(a))
    )
    for key in ("title", "description", "version", "revision", "created", "licenses"):
        assert labels.get(f"org.opencontainers.image.{key}"), f"OCI label {key}"
    assert labels["org.opencontainers.image.version"] == "0.1.0"
    assert labels["org.opencontainers.image.revision"] == "abc1234"
    if name in PY_IMAGES:
        assert labels["org.opencontainers.image.title"] == f"movieweb-{name}"
        assert name in labels["org.opencontainers.image.description"]
        assert build_args["PACKAGE"] == f"movieweb-{name}"


@pytest.mark.parametrize("name", sorted(set(PY_IMAGES) - {"operator"}))
def test_python_image_runs_the_charts_command(name: str, render) -> None:
    _, _, st = image(name)
    final, dev = st["runtime"], st["dev"]
    command = default_command(final)
    assert command == ["movieweb", "serve", name, "--host", "0.0.0.0", "--port", "8000"]
    assert default_command(dev) == [*command, "--reload"]

    def container(*extra: str) -> dict:
        dep = next(
            o
            for o in render("default", extra=extra)
            if o["kind"] == "Deployment" and o["metadata"]["name"] == f"mw-movieweb-{name}"
        )
        assert dep["spec"]["template"]["spec"]["securityContext"]["runAsUser"] == 10001
        return dep["spec"]["template"]["spec"]["containers"][0]

    assert container()["command"] == command
    assert container("--set", "dev.enabled=true")["command"] == default_command(dev)
    exposed = [a for i, a in final.instructions if i == "EXPOSE"] or [
        a for s in st.values() for i, a in s.instructions if i == "EXPOSE"
    ]
    assert exposed and "8000" in exposed[-1].split()


def test_operator_image_runs_kopf() -> None:
    _, _, st = image("operator")
    assert default_command(st["runtime"]) == OPERATOR_COMMAND
    assert default_command(st["dev"]) == OPERATOR_COMMAND, "kopf has no --reload"
    exposed = [a for s in st.values() for i, a in s.instructions if i == "EXPOSE"]
    assert set(exposed[-1].split()) == {"8080", "9090"}


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
    _, build_args, st = image(name)
    package = build_args["PACKAGE"]
    lock = (REPO / "uv.lock").read_text()
    if f'name = "{package}"' not in lock:
        pytest.skip(f"{package} is not in uv.lock yet (add {PY_IMAGES[name]} to the uv workspace)")
    copied: list[str] = []
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))}
    venv = tmp_path / "venv"
    for stage in ("uv", "builder"):
        scope = {**st[stage].env, **st[stage].args}
        for ins, args in st[stage].instructions:
            if ins == "ENV":
                env.update((k, v or "") for k, v in pairs(args) if k != "PATH")
            elif ins == "COPY" and "--from" not in args:
                *sources, dest = args.split()
                for src in sources:
                    copied.append(src)
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
                cmd = shlex.split(expand(args[args.index("uv sync") :], scope))
                assert "--frozen" in cmd, "the image installs exactly what uv.lock pins"
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
    assert sorted(copied) == sorted(
        ["pyproject.toml", "uv.lock", "services/shared", PY_IMAGES[name]]
    ), "the image copies the workspace definition, the shared library and its own sources only"
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
    assert (site / "movieweb_shared").is_dir(), "movieweb-shared is installed"
    if name != "operator":
        assert (venv / "bin" / "movieweb").exists(), "the movieweb entry point is missing"
