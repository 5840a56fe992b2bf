# syntax=docker/dockerfile:1.7
# Every Python deployable of Movieweb (the four data services, the gateway and the operator)
# from this one Dockerfile; build args choose the uv workspace package. The web app has its own
# (nginx) Dockerfile. Build context is the repository root (the uv workspace and its lock file):
#   docker build -f docker/python.Dockerfile --build-arg PACKAGE=movieweb-movies -t movieweb/movies:0.1.0 .
#   docker build -f docker/python.Dockerfile --build-arg PACKAGE=movieweb-operator \
#     --build-arg SOURCE=operator --build-arg PORTS="8080 9090" \
#     --build-arg COMMAND="kopf run --standalone --liveness=http://0.0.0.0:8080/healthz -m movieweb_operator --all-namespaces" \
#     -t movieweb/operator:0.1.0 .
# (`make image-<name>` passes the right set.) Targets: `runtime` (default, what the chart runs:
# non-root, read-only root filesystem) and `dev` (editable install under /app, for Tilt's live
# update; the chart gives services `movieweb serve --reload` in dev mode).
#
# Build args:
#   PACKAGE      uv package to install, e.g. movieweb-movies (required)
#   SERVICE      service name for `movieweb serve` (default: PACKAGE without "movieweb-")
#   SOURCE       the package's directory in the repository (default: services/SERVICE)
#   COMMAND      the image's default command (default: movieweb serve SERVICE on 0.0.0.0:8000)
#   DEV_COMMAND  the dev target's default command (default: COMMAND with --reload)
#   PORTS        ports the process listens on (default: 8000)
#   DESCRIPTION  OCI description label
#   VERSION, REVISION, CREATED  OCI labels (the Makefile passes the tag, git revision and date)
ARG PYTHON_IMAGE=python:3.11-slim-trixie
ARG UV_VERSION=0.13.8
ARG PACKAGE
ARG SERVICE=${PACKAGE#movieweb-}
ARG SOURCE=services/${SERVICE}
ARG COMMAND="movieweb serve ${SERVICE} --host 0.0.0.0 --port 8000"

FROM ${PYTHON_IMAGE} AS uv
ARG UV_VERSION
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PIP_ROOT_USER_ACTION=ignore \
    UV_COMPILE_BYTECODE=1 UV_LINK_MODE=copy UV_PYTHON_DOWNLOADS=never UV_FROZEN=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv
RUN pip install "uv==${UV_VERSION}"
WORKDIR /app
# Third-party dependencies from the lock file alone: this layer is rebuilt only when uv.lock
# (or the workspace definition) changes, not on every code change.
COPY pyproject.toml uv.lock ./
ARG PACKAGE
RUN test -n "${PACKAGE}" || { echo "--build-arg PACKAGE=movieweb-<name> is required" >&2; exit 1; }
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-install-workspace --package "${PACKAGE}"
# Only the shared library and this package's sources: no other service's code in the image.
ARG SOURCE
COPY services/shared services/shared
COPY ${SOURCE} ${SOURCE}

FROM uv AS builder
ARG PACKAGE
# The package and the shared library as regular packages: the runtime image needs no source tree.
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --no-editable --package "${PACKAGE}"

FROM uv AS dev-builder
ARG PACKAGE
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package "${PACKAGE}"

FROM ${PYTHON_IMAGE} AS base
ARG PORTS=8000
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PYTHONFAULTHANDLER=1
RUN groupadd --system --gid 10001 movieweb \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin movieweb
EXPOSE ${PORTS}

# Tilt's image: the workspace under /app (editable), writable by the app user so that live
# update can sync sources into it.
FROM base AS dev
ARG COMMAND
ARG DEV_COMMAND="${COMMAND} --reload"
COPY --from=dev-builder --chown=10001:10001 /opt/venv /opt/venv
COPY --from=dev-builder --chown=10001:10001 /app /app
WORKDIR /app
USER 10001:10001
ENV MOVIEWEB_IMAGE_COMMAND="${DEV_COMMAND}"
CMD exec ${MOVIEWEB_IMAGE_COMMAND}

FROM base AS runtime
ARG PACKAGE
ARG COMMAND
ARG DESCRIPTION="Movieweb ${PACKAGE}"
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=1970-01-01T00:00:00Z
LABEL org.opencontainers.image.title="${PACKAGE}" \
      org.opencontainers.image.description="${DESCRIPTION}" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.vendor="Movieweb" \
      org.opencontainers.image.base.name="python:3.11-slim-trixie"
# Only the virtual environment: third-party packages, movieweb-shared and this package,
# compiled to bytecode at build time (the root filesystem is read-only at run time).
COPY --from=builder /opt/venv /opt/venv
WORKDIR /nonexistent
USER 10001:10001
# The command is a build arg, so it reaches the image through the environment; the shell form
# is what expands it, and `exec` replaces the shell so the process is PID 1 and gets SIGTERM.
# (The chart sets the container's command explicitly; this is the `docker run` default.)
ENV MOVIEWEB_IMAGE_COMMAND="${COMMAND}"
CMD exec ${MOVIEWEB_IMAGE_COMMAND}
