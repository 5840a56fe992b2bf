"""Service discovery: each service package registers its ``ServiceDef`` under the
``movieweb.services`` entry point group, so an image that carries one service serves just it."""

from __future__ import annotations

from importlib.metadata import entry_points

from .app import ServiceDef


def service_names() -> list[str]:
    return sorted(ep.name for ep in entry_points(group="movieweb.services"))


def load_service(name: str) -> ServiceDef:
    for ep in entry_points(group="movieweb.services"):
        if ep.name == name:
            service = ep.load()
            if not isinstance(service, ServiceDef):
                raise TypeError(f"entry point {name} is not a ServiceDef")
            return service
    known = ", ".join(service_names()) or "none installed"
    raise LookupError(f"unknown service {name!r} (installed: {known})")
