"""ASGI factory for uvicorn workers: ``MOVIEWEB_SERVICE`` names the service to build."""

from __future__ import annotations

import os

from fastapi import FastAPI

from .app import create_app
from .registry import load_service


def make_app() -> FastAPI:
    return create_app(load_service(os.environ["MOVIEWEB_SERVICE"]))
