#!/usr/bin/env python3
"""A real Kubernetes control plane on loopback: etcd + kube-apiserver, no kubelet.

Started the way controller-runtime's envtest does it: etcd on random loopback ports with a
temporary data dir, then kube-apiserver (RBAC, service-account token signing, a static admin
token) against it; waits for /readyz and writes a kubeconfig. Used by tests/k8s (imported by
its conftest) and by hand:

    python3 scripts/k8s/controlplane.py up                 # start, print kubeconfig, wait for Ctrl-C
    python3 scripts/k8s/controlplane.py validate a.yaml …  # server-side dry-run (Strict) of manifests
    python3 scripts/k8s/controlplane.py openapi OUTDIR     # dump /openapi/v3 of the pinned version

The binaries come from bin/ (scripts/k8s/build-tools.sh builds them). Needs httpx, pyyaml and
cryptography.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import ipaddress
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

REPO = Path(__file__).resolve().parents[2]
BIN = REPO / "bin"
TOOLS = ("etcd", "kube-apiserver", "helm")


def versions() -> dict[str, str]:
    """The pinned tool versions (scripts/k8s/versions.env)."""
    out: dict[str, str] = {}
    for line in (REPO / "scripts/k8s/versions.env").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, value = line.split("=", 1)
            out[key] = value
    return out


def missing_tools() -> list[str]:
    return [t for t in TOOLS if not os.access(BIN / t, os.X_OK)]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


# --------------------------------------------------------------------------- certificates


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey) -> None:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    path.chmod(0o600)


def make_pki(directory: Path) -> dict[str, Path]:
    """A CA, the apiserver's serving certificate and the service-account signing key pair."""
    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "movieweb-test-ca")])
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca_key, hashes.SHA256())
    )
    srv_key = ec.generate_private_key(ec.SECP256R1())
    sans: list[x509.GeneralName] = [
        x509.DNSName(n)
        for n in (
            "localhost",
            "kubernetes",
            "kubernetes.default",
            "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local",
        )
    ]
    sans += [
        x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
        x509.IPAddress(ipaddress.ip_address("10.0.0.1")),
    ]
    srv_cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]))
        .issuer_name(ca_name)
        .public_key(srv_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName(sans), critical=False)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    sa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    paths = {
        "ca": directory / "ca.crt",
        "cert": directory / "apiserver.crt",
        "key": directory / "apiserver.key",
        "sa_key": directory / "sa.key",
        "sa_pub": directory / "sa.pub",
    }
    paths["ca"].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths["cert"].write_bytes(srv_cert.public_bytes(serialization.Encoding.PEM))
    _write_key(paths["key"], srv_key)
    _write_key(paths["sa_key"], sa_key)
    paths["sa_pub"].write_bytes(
        sa_key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )
    return paths


# --------------------------------------------------------------------------- control plane


@dataclass
class ControlPlane:
    """etcd + kube-apiserver on loopback. Use as a context manager."""

    workdir: Path
    bin_dir: Path = BIN
    url: str = ""
    token: str = ""
    kubeconfig: Path = field(default=Path())
    ca_file: Path = field(default=Path())
    _procs: list[subprocess.Popen[bytes]] = field(default_factory=list)
    _logs: list[Any] = field(default_factory=list)

    def __enter__(self) -> ControlPlane:
        try:
            self.start()
        except BaseException:
            self.stop()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- processes
    def _spawn(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        log = open(self.workdir / f"{name}.log", "wb")  # noqa: SIM115 - closed in stop()
        self._logs.append(log)
        proc = subprocess.Popen(  # noqa: S603 - our own binaries from bin/
            args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
        self._procs.append(proc)
        return proc

    def log_tail(self, name: str, lines: int = 40) -> str:
        path = self.workdir / f"{name}.log"
        if not path.exists():
            return ""
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def _wait(
        self, what: str, proc: subprocess.Popen[bytes], check: Callable[[], bool], timeout: float
    ) -> None:
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited with {proc.returncode}:\n{self.log_tail(what)}")
            try:
                if check():
                    return
            except Exception as exc:  # not up yet
                last = exc
            time.sleep(0.25)
        raise TimeoutError(f"{what} not ready after {timeout}s ({last}):\n{self.log_tail(what)}")

    def start(self) -> None:
        missing = [
            t for t in ("etcd", "kube-apiserver") if not os.access(self.bin_dir / t, os.X_OK)
        ]
        if missing:
            raise FileNotFoundError(
                f"missing {missing} in {self.bin_dir}: run scripts/k8s/build-tools.sh"
            )
        self.workdir.mkdir(parents=True, exist_ok=True)
        pki = make_pki(self.workdir)
        self.ca_file = pki["ca"]

        etcd_client, etcd_peer = free_port(), free_port()
        etcd = self._spawn(
            "etcd",
            [
                str(self.bin_dir / "etcd"),
                "--name=test",
                f"--data-dir={self.workdir / 'etcd'}",
                f"--listen-client-urls=http://127.0.0.1:{etcd_client}",
                f"--advertise-client-urls=http://127.0.0.1:{etcd_client}",
                f"--listen-peer-urls=http://127.0.0.1:{etcd_peer}",
                f"--initial-advertise-peer-urls=http://127.0.0.1:{etcd_peer}",
                f"--initial-cluster=test=http://127.0.0.1:{etcd_peer}",
                "--unsafe-no-fsync",
                "--log-level=warn",
            ],
        )
        self._wait(
            "etcd",
            etcd,
            lambda: (
                httpx.get(f"http://127.0.0.1:{etcd_client}/health", timeout=2).json().get("health")
                == "true"
            ),
            timeout=30,
        )

        self.token = secrets.token_urlsafe(32)
        tokens = self.workdir / "tokens.csv"
        tokens.write_text(f'{self.token},admin,admin-uid,"system:masters"\n')
        tokens.chmod(0o600)
        port = free_port()
        self.url = f"https://127.0.0.1:{port}"
        apiserver = self._spawn(
            "kube-apiserver",
            [
                str(self.bin_dir / "kube-apiserver"),
                f"--etcd-servers=http://127.0.0.1:{etcd_client}",
                f"--etcd-prefix=/registry-{secrets.token_hex(4)}",
                "--bind-address=127.0.0.1",
                "--advertise-address=127.0.0.1",
                f"--secure-port={port}",
                f"--tls-cert-file={pki['cert']}",
                f"--tls-private-key-file={pki['key']}",
                f"--cert-dir={self.workdir / 'certs'}",
                "--service-cluster-ip-range=10.0.0.0/24",
                "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
                f"--service-account-key-file={pki['sa_pub']}",
                f"--service-account-signing-key-file={pki['sa_key']}",
                f"--token-auth-file={tokens}",
                "--authorization-mode=RBAC",
                "--anonymous-auth=false",
                "--enable-priority-and-fairness=false",
                "--storage-backend=etcd3",
                "--v=1",
            ],
        )
        self._wait(
            "kube-apiserver",
            apiserver,
            lambda: self.client(timeout=3).get("/readyz").status_code == 200,
            timeout=120,
        )
        self.kubeconfig = self.workdir / "kubeconfig"
        self.kubeconfig.write_text(
            yaml.safe_dump(
                {
                    "apiVersion": "v1",
                    "kind": "Config",
                    "clusters": [
                        {
                            "name": "test",
                            "cluster": {
                                "server": self.url,
                                "certificate-authority": str(self.ca_file),
                            },
                        }
                    ],
                    "users": [{"name": "admin", "user": {"token": self.token}}],
                    "contexts": [{"name": "test", "context": {"cluster": "test", "user": "admin"}}],
                    "current-context": "test",
                }
            )
        )
        self.kubeconfig.chmod(0o600)

    def stop(self) -> None:
        for proc in reversed(self._procs):
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGTERM)
        for proc in reversed(self._procs):
            try:
                # Nothing to keep: kube-apiserver's graceful drain only slows the tests down.
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)
        self._procs.clear()
        for log in self._logs:
            log.close()
        self._logs.clear()

    # -- API access
    def client(self, timeout: float = 30) -> httpx.Client:
        return httpx.Client(
            base_url=self.url,
            verify=ssl.create_default_context(cafile=str(self.ca_file)),
            timeout=timeout,
            headers={"Authorization": f"Bearer {self.token}"},
        )


class Api:
    """Just enough of a Kubernetes client: discovery, apply/dry-run, list, delete."""

    def __init__(self, http: httpx.Client):
        self.http = http
        self._resources: dict[tuple[str, str], dict[str, Any]] | None = None

    def discover(self, refresh: bool = False) -> dict[tuple[str, str], dict[str, Any]]:
        """(apiVersion, kind) -> {name, namespaced, verbs, base} for every served top-level resource."""
        if self._resources is not None and not refresh:
            return self._resources
        out: dict[tuple[str, str], dict[str, Any]] = {}
        group_versions = [("v1", "/api/v1")]
        for group in self.http.get("/apis").raise_for_status().json()["groups"]:
            for v in group["versions"]:
                group_versions.append((v["groupVersion"], f"/apis/{v['groupVersion']}"))
        for gv, base in group_versions:
            resp = self.http.get(base)
            if resp.status_code != 200:
                continue
            for r in resp.json()["resources"]:
                if "/" in r["name"]:
                    continue
                out[(gv, r["kind"])] = {
                    "name": r["name"],
                    "namespaced": r["namespaced"],
                    "verbs": r.get("verbs", []),
                    "base": base,
                }
        self._resources = out
        return out

    def path(
        self, api_version: str, kind: str, namespace: str | None, name: str | None = None
    ) -> str:
        res = self.discover().get((api_version, kind)) or self.discover(refresh=True).get(
            (api_version, kind)
        )
        if res is None:
            raise LookupError(f"{api_version} {kind} is not served by this API server")
        p = str(res["base"])
        if res["namespaced"]:
            p += f"/namespaces/{namespace or 'default'}"
        p += f"/{res['name']}"
        if name:
            p += f"/{name}"
        return p

    def create(
        self, obj: dict[str, Any], namespace: str | None = None, dry_run: bool = False
    ) -> httpx.Response:
        params = {"fieldValidation": "Strict", "fieldManager": "movieweb-tests"}
        if dry_run:
            params["dryRun"] = "All"
        ns = obj.get("metadata", {}).get("namespace") or namespace
        return self.http.post(
            self.path(obj["apiVersion"], obj["kind"], ns), params=params, json=obj
        )

    def apply_all(self, objs: Iterable[dict[str, Any]]) -> None:
        for obj in objs:
            resp = self.create(obj)
            if resp.status_code == 409:
                continue
            if resp.status_code >= 300:
                raise RuntimeError(f"creating {obj['kind']} {obj['metadata']['name']}: {resp.text}")

    def wait_established(self, crd_names: Iterable[str], timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        pending = set(crd_names)
        while pending and time.monotonic() < deadline:
            for name in list(pending):
                resp = self.http.get(
                    f"/apis/apiextensions.k8s.io/v1/customresourcedefinitions/{name}"
                )
                conds = (
                    (resp.json().get("status") or {}).get("conditions") or []
                    if resp.status_code == 200
                    else []
                )
                if any(c["type"] == "Established" and c["status"] == "True" for c in conds):
                    pending.discard(name)
            time.sleep(0.2)
        if pending:
            raise TimeoutError(f"CRDs not established: {sorted(pending)}")
        self.discover(refresh=True)

    def list_namespaced(self, namespace: str, skip: Iterable[str] = ("events",)) -> list[str]:
        """Every object in a namespace, as "kind/name", over every listable namespaced resource."""
        found = []
        seen_names = set()
        for (gv, kind), res in sorted(self.discover(refresh=True).items()):
            if not res["namespaced"] or "list" not in res["verbs"] or res["name"] in skip:
                continue
            if res["name"] in seen_names and gv.startswith("events.k8s.io"):
                continue
            resp = self.http.get(f"{res['base']}/namespaces/{namespace}/{res['name']}")
            if resp.status_code != 200:
                continue
            for item in resp.json().get("items", []):
                found.append(f"{kind}/{item['metadata']['name']}")
            seen_names.add(res["name"])
        return sorted(set(found))


def load_yaml_docs(paths: Iterable[Path]) -> list[dict[str, Any]]:
    docs = []
    for p in paths:
        docs += [d for d in yaml.safe_load_all(Path(p).read_text()) if d]
    return docs


# --------------------------------------------------------------------------- CLI


def _cli() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("up", help="start a control plane and wait for Ctrl-C")
    v = sub.add_parser("validate", help="server-side dry-run (fieldValidation=Strict) of manifests")
    v.add_argument("files", nargs="+", type=Path)
    v.add_argument("--crds", nargs="*", type=Path, default=[], help="CRD files to install first")
    v.add_argument("--namespace", default="validate")
    o = sub.add_parser("openapi", help="dump the /openapi/v3 documents of the pinned Kubernetes")
    o.add_argument("outdir", type=Path)
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="movieweb-k8s-"))
    try:
        with ControlPlane(workdir) as cp:
            api = Api(cp.client())
            if args.cmd == "up":
                print(f"kube-apiserver {versions().get('K8S_VERSION')} at {cp.url}")
                print(f"export KUBECONFIG={cp.kubeconfig}")
                with contextlib.suppress(KeyboardInterrupt):
                    while True:
                        time.sleep(3600)
                return 0
            if args.cmd == "openapi":
                args.outdir.mkdir(parents=True, exist_ok=True)
                paths = api.http.get("/openapi/v3").raise_for_status().json()["paths"]
                for gv, ref in sorted(paths.items()):
                    doc = api.http.get(ref["serverRelativeURL"]).raise_for_status().json()
                    name = gv.strip("/").replace("/", "_") + ".json"
                    (args.outdir / name).write_text(json.dumps(doc, indent=1, sort_keys=True))
                print(f"wrote {len(paths)} documents to {args.outdir}")
                return 0
            crds = load_yaml_docs(args.crds)
            api.apply_all(crds)
            api.wait_established([c["metadata"]["name"] for c in crds])
            # The namespace and its default ServiceAccount (no controller-manager runs to add it).
            api.apply_all(
                [
                    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": args.namespace}},
                    {
                        "apiVersion": "v1",
                        "kind": "ServiceAccount",
                        "metadata": {"name": "default", "namespace": args.namespace},
                    },
                ]
            )
            failed = 0
            for obj in load_yaml_docs(args.files):
                resp = api.create(obj, namespace=args.namespace, dry_run=True)
                ok = resp.status_code < 300 and not resp.headers.get("Warning")
                failed += not ok
                msg = resp.headers.get("Warning", "") or (
                    "" if resp.status_code < 300 else resp.json().get("message")
                )
                print(f"{'ok  ' if ok else 'FAIL'} {obj['kind']}/{obj['metadata']['name']} {msg}")
            return 1 if failed else 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(_cli())
