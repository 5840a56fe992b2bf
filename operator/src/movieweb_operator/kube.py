"""The few Kubernetes API calls the operator makes (official client, synchronous).

Children are written with server-side apply under one field manager, which makes every
reconcile idempotent: applying the same objects again changes nothing (the API server skips
the write), and applying a changed object updates exactly the fields the operator owns.
"""

from __future__ import annotations

import base64
import json
from typing import Any, cast

from kubernetes import client, config
from kubernetes.client.exceptions import ApiException

from . import names

APPLY = "application/apply-patch+yaml"
MERGE = "application/merge-patch+json"


def load_config() -> None:
    """In a pod: the service account; elsewhere: $KUBECONFIG or ~/.kube/config."""
    try:
        config.load_incluster_config()  # type: ignore[no-untyped-call]
    except config.ConfigException:
        config.load_kube_config()  # type: ignore[no-untyped-call]


def _missing(exc: ApiException) -> bool:
    return bool(exc.status == 404)


class Kube:
    def __init__(self, api_client: client.ApiClient | None = None) -> None:
        self.api_client = api_client or client.ApiClient()
        self.core = client.CoreV1Api(self.api_client)
        self.apps = client.AppsV1Api(self.api_client)
        self.custom = client.CustomObjectsApi(self.api_client)

    # -- the ShardSet -------------------------------------------------------------------

    def get_shardset(self, namespace: str, name: str) -> dict[str, Any] | None:
        try:
            body = cast(
                dict[str, Any],
                self.custom.get_namespaced_custom_object(
                    names.GROUP, names.VERSION, namespace, names.PLURAL, name
                ),
            )
        except ApiException as exc:
            if _missing(exc):
                return None
            raise
        return body

    def patch_shardset_status(self, namespace: str, name: str, status: dict[str, Any]) -> None:
        try:
            self.custom.patch_namespaced_custom_object_status(
                names.GROUP,
                names.VERSION,
                namespace,
                names.PLURAL,
                name,
                {"status": status},
                _content_type=MERGE,
            )
        except ApiException as exc:
            if not _missing(exc):  # deleted meanwhile: nothing to report on
                raise

    def annotate_shardset(self, namespace: str, name: str, annotations: dict[str, str]) -> None:
        self.custom.patch_namespaced_custom_object(
            names.GROUP,
            names.VERSION,
            namespace,
            names.PLURAL,
            name,
            {"metadata": {"annotations": annotations}},
            _content_type=MERGE,
        )

    # -- children -------------------------------------------------------------------------

    def apply(self, obj: dict[str, Any]) -> None:
        """Create or update ``obj`` (server-side apply, forcing ownership of its fields)."""
        kind, meta = obj["kind"], obj["metadata"]
        kwargs: dict[str, Any] = {
            "field_manager": names.FIELD_MANAGER,
            "force": True,
            "_content_type": APPLY,
        }
        name, namespace = meta["name"], meta["namespace"]
        if kind == "StatefulSet":
            self.apps.patch_namespaced_stateful_set(name, namespace, obj, **kwargs)
        elif kind == "Service":
            self.core.patch_namespaced_service(name, namespace, obj, **kwargs)
        elif kind == "Secret":
            self.core.patch_namespaced_secret(name, namespace, obj, **kwargs)
        elif kind == "ConfigMap":
            self.core.patch_namespaced_config_map(name, namespace, obj, **kwargs)
        else:
            raise ValueError(f"cannot apply a {kind}")

    def create_secret_once(self, obj: dict[str, Any]) -> bool:
        """Create a Secret unless it exists; False when another writer created it first.

        A plain create (not apply): of two writers racing to create a shard's credentials,
        exactly one wins and the other reads the winner's password back.
        """
        try:
            self.core.create_namespaced_secret(obj["metadata"]["namespace"], obj)  # type: ignore[arg-type]
        except ApiException as exc:
            if exc.status == 409:
                return False
            raise
        return True

    def get_statefulset(self, namespace: str, name: str) -> dict[str, Any] | None:
        try:
            resp = self.apps.read_namespaced_stateful_set(name, namespace, _preload_content=False)
        except ApiException as exc:
            if _missing(exc):
                return None
            raise
        return _json(resp)

    def list_statefulsets(self, namespace: str, selector: str) -> list[dict[str, Any]]:
        resp = self.apps.list_namespaced_stateful_set(
            namespace, label_selector=selector, _preload_content=False
        )
        items: list[dict[str, Any]] = _json(resp)["items"]
        return items

    def get_secret_data(self, namespace: str, name: str) -> dict[str, str] | None:
        """The decoded data of a Secret, or None if it does not exist. Never logged."""
        try:
            resp = self.core.read_namespaced_secret(name, namespace, _preload_content=False)
        except ApiException as exc:
            if _missing(exc):
                return None
            raise
        data = _json(resp).get("data") or {}
        return {k: base64.b64decode(v).decode() for k, v in data.items()}

    def get_configmap(self, namespace: str, name: str) -> dict[str, Any] | None:
        try:
            resp = self.core.read_namespaced_config_map(name, namespace, _preload_content=False)
        except ApiException as exc:
            if _missing(exc):
                return None
            raise
        return _json(resp)

    def list_claims(self, namespace: str, selector: str) -> list[dict[str, Any]]:
        resp = self.core.list_namespaced_persistent_volume_claim(
            namespace, label_selector=selector, _preload_content=False
        )
        items: list[dict[str, Any]] = _json(resp)["items"]
        return items

    def resize_claim(self, namespace: str, name: str, size: str) -> None:
        self.core.patch_namespaced_persistent_volume_claim(
            name,
            namespace,
            {"spec": {"resources": {"requests": {"storage": size}}}},
            _content_type=MERGE,
        )

    def delete(self, kind: str, namespace: str, name: str) -> bool:
        """Delete one object; False if it was already gone.

        Background propagation: no ``foregroundDeletion`` finalizer is added, so deletion does
        not wait for a garbage collector (the children are deleted explicitly anyway).
        """
        opts = client.V1DeleteOptions(propagation_policy="Background")
        calls = {
            "StatefulSet": self.apps.delete_namespaced_stateful_set,
            "Service": self.core.delete_namespaced_service,
            "Secret": self.core.delete_namespaced_secret,
            "ConfigMap": self.core.delete_namespaced_config_map,
            "PersistentVolumeClaim": self.core.delete_namespaced_persistent_volume_claim,
        }
        try:
            calls[kind](name, namespace, body=opts)
        except ApiException as exc:
            if _missing(exc):
                return False
            raise
        return True


def _json(resp: Any) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(resp.data)
    return data
