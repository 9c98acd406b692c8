"""deploy/ stays in step with the code: every service the code defines is deployed, on its
port, with its database, with the consent keys it needs and no others, with its own
certificate and no other identity's, and checked for health over mutual TLS; and the image
generates code the way the Makefile does. Compose also runs the caseworker console, which
starts on exactly the files the jobs give it.

Each check returns the problems it finds, so the same functions are also run against
a deliberately broken deployment to prove they notice. Compose's keys and certs jobs are
run for real, with this virtualenv's ``elig``, to see what lands in which volume; the
health check the probes run is run against a real server.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import functools
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from types import ModuleType
from typing import Any

import pytest
import yaml
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import NameOID
from grpc_health.v1 import health_pb2

from services.console.app import create_app
from services.console.sessions import session_secret
from services.console.settings import ConsoleSettings
from shared.caseworker_token import LocalTokenKeys
from shared.clock import FixedClock
from shared.consent import LocalConsentKeys
from shared.settings import DEFAULT_PORTS, ServiceSettings, load_settings
from shared.tls import CASEWORKER_CONSOLE, LOCAL_IDENTITIES, MTLS, DevCertificates

# The integration layer's real-server fixtures, for the health check's own tests.
from tests.integration.conftest import (  # noqa: F401
    Serve,
    ServerHandle,
    credentials,
    serve,
    usda_bindings_at,
)

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
HEALTH_CHECK = DEPLOY / "grpc_health_check.py"


def code_services() -> list[str]:
    """Every package under services/ whose __main__ starts a gRPC server."""
    return sorted(
        main.parent.name
        for main in (ROOT / "services").glob("*/__main__.py")
        if "run_service(" in main.read_text(encoding="utf-8")
    )


def seeded_services() -> list[str]:
    return sorted(p.parent.name for p in (ROOT / "services").glob("*/seed.py"))


def agencies(services: list[str]) -> list[str]:
    return [name for name in services if name != "orchestrator"]


def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


def k8s_objects() -> list[dict[str, Any]]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    objects: list[dict[str, Any]] = []
    for name in kustomization["resources"]:
        text = (K8S / name).read_text(encoding="utf-8")
        objects.extend(doc for doc in yaml.safe_load_all(text) if doc)
    return objects


def database_name(url: str) -> str:
    return url.rsplit("/", 1)[-1]


# ---- how a deployed service resolves its settings ----------------------------------------------


@functools.cache
def image_env() -> dict[str, str]:
    """The ELIG_* variables the image's runtime stage sets."""
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    found = dict(re.findall(r"\b(ELIG_[A-Z_]+)=(\S+)", text.split("AS runtime", 1)[1]))
    assert "ELIG_DATA_DIR" in found, "the Dockerfile no longer sets ELIG_DATA_DIR"
    return found


def deployed_settings(service: str, env: dict[str, Any]) -> ServiceSettings:
    """The settings ``service`` starts with in the image under ``env``, resolved by
    shared.settings itself (ELIG_<SERVICE>_X, then ELIG_X, then the default)."""
    with pytest.MonkeyPatch.context() as patched:
        for key in [k for k in os.environ if k.startswith("ELIG_")]:
            patched.delenv(key)
        for key, value in {**image_env(), **env}.items():
            patched.setenv(key, str(value))
        return load_settings(service)


def k8s_env(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("env", []) if "value" in e}


# ---- the health check the probes run -----------------------------------------------------------


@functools.cache
def health_check_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("grpc_health_check", HEALTH_CHECK)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def health_check_problems(
    where: str, command: list[str], service: str, settings: ServiceSettings
) -> list[str]:
    """What is wrong with a healthcheck or probe command, read with the checker's own
    argument parser: it must speak TLS with the service's certificate, on its port."""
    if not command or command[0] != "grpc-health-check":
        return [f"{where}: does not run grpc-health-check"]
    try:
        args = health_check_script().parse(command[1:])
    except SystemExit:
        return [f"{where}: grpc-health-check cannot run with {command[1:]}"]
    problems = []
    tls = settings.tls_files()
    if args.plaintext:
        problems.append(f"{where}: checks health in plain text")
    elif tls is not None:
        if str(args.tls_dir) != str(tls.ca.parent):
            problems.append(f"{where}: reads certificates from {args.tls_dir}, not {tls.ca.parent}")
        if args.identity != tls.cert.stem:
            problems.append(f"{where}: presents {args.identity!r}, not {tls.cert.stem!r}")
    if args.target.rpartition(":")[2] != str(settings.port):
        problems.append(f"{where}: asks {args.target}, not port {settings.port}")
    return problems


def tls_mode_problems(where: str, settings: ServiceSettings) -> list[str]:
    if settings.tls_mode != MTLS:
        return [f"{where}: runs with ELIG_TLS_MODE={settings.tls_mode}"]
    return []


# ---- the checks -----------------------------------------------------------------------------


def compose_problems(doc: dict[str, Any], service: str, all_services: list[str]) -> list[str]:
    services = doc.get("services", {})
    entry = services.get(service)
    if entry is None:
        return [f"compose.yaml has no service {service!r}"]
    problems = []
    port = DEFAULT_PORTS[service]
    env = entry.get("environment", {})
    prefix = f"ELIG_{service.upper()}_"
    settings = deployed_settings(service, env)
    if entry.get("command") != ["python", "-m", f"services.{service}"]:
        problems.append(f"{service}: command is {entry.get('command')!r}")
    if str(env.get(prefix + "PORT")) != str(port):
        problems.append(f"{service}: {prefix}PORT is {env.get(prefix + 'PORT')!r}, not {port}")
    if not any(str(p).endswith(f":{port}:{port}") for p in entry.get("ports", [])):
        problems.append(f"{service}: port {port} is not published")
    url = env.get(prefix + "DATABASE_URL", "")
    if not (url.startswith("postgresql://") and "@postgres:5432/" in url):
        problems.append(f"{service}: {prefix}DATABASE_URL does not point at the postgres service")
    elif database_name(url) != service:
        problems.append(f"{service}: uses database {database_name(url)!r}, not its own")
    problems += tls_mode_problems(service, settings)
    test = entry.get("healthcheck", {}).get("test", [])
    if test[:1] != ["CMD"]:
        problems.append(f"{service}: healthcheck is not an exec-form CMD")
    else:
        problems += health_check_problems(f"{service} healthcheck", test[1:], service, settings)
    if service == "orchestrator":
        for agency in agencies(all_services):
            key = f"ELIG_{agency.upper()}_TARGET"
            want = f"{agency}:{DEFAULT_PORTS[agency]}"
            if env.get(key) != want:
                problems.append(f"orchestrator: {key} is {env.get(key)!r}, not {want!r}")
            if agency not in entry.get("depends_on", {}):
                problems.append(f"orchestrator does not depend on {agency}")
    return problems


def seed_problems(doc: dict[str, Any], seeded: list[str]) -> list[str]:
    job = doc.get("services", {}).get("seed", {})
    command = " ".join(job.get("command", []))
    env = job.get("environment", {})
    problems = []
    for name in seeded:
        if f"python -m services.{name}.seed" not in command:
            problems.append(f"the seed job does not run services.{name}.seed")
        if database_name(env.get(f"ELIG_{name.upper()}_DATABASE_URL", "")) != name:
            problems.append(f"the seed job has no database URL for {name}")
    return problems


def k8s_problems(objects: list[dict[str, Any]], service: str, all_services: list[str]) -> list[str]:
    port = DEFAULT_PORTS[service]
    by_kind = {(o["kind"], o["metadata"]["name"]): o for o in objects}
    problems = []
    deployment = by_kind.get(("Deployment", service))
    if deployment is None:
        problems.append(f"k8s: no Deployment {service!r}")
    else:
        pod = deployment["spec"]["template"]["spec"]
        container = pod["containers"][0]
        settings = deployed_settings(service, k8s_env(container))
        if container.get("command") != ["python", "-m", f"services.{service}"]:
            problems.append(f"k8s {service}: command is {container.get('command')!r}")
        if [p["containerPort"] for p in container.get("ports", [])] != [port]:
            problems.append(f"k8s {service}: containerPort is not {port}")
        problems += tls_mode_problems(f"k8s {service}", settings)
        for probe in ("readinessProbe", "livenessProbe"):
            where = f"k8s {service} {probe}"
            spec = container.get(probe, {})
            if "grpc" in spec:
                problems.append(f"{where}: Kubernetes' gRPC probe cannot speak TLS")
            else:
                command = spec.get("exec", {}).get("command", [])
                problems += health_check_problems(where, command, service, settings)
        if not container.get("resources", {}).get("requests"):
            problems.append(f"k8s {service}: no resource requests")
        security = container.get("securityContext", {})
        if not security.get("readOnlyRootFilesystem"):
            problems.append(f"k8s {service}: root filesystem is writable")
        if not pod.get("securityContext", {}).get("runAsNonRoot"):
            problems.append(f"k8s {service}: may run as root")
        env = {e["name"]: e for e in container.get("env", [])}
        port_env = env.get(f"ELIG_{service.upper()}_PORT", {}).get("value")
        if port_env != str(port):
            problems.append(f"k8s {service}: ELIG_{service.upper()}_PORT is {port_env!r}")
        secret = (
            env.get(f"ELIG_{service.upper()}_DATABASE_URL", {})
            .get("valueFrom", {})
            .get("secretKeyRef", {})
        )
        if secret.get("key") != service:
            problems.append(
                f"k8s {service}: database URL is not read from a Secret key {service!r}"
            )
        if service == "orchestrator":
            problems += orchestrator_target_problems(by_kind, container, all_services)
    svc = by_kind.get(("Service", service))
    if svc is None:
        problems.append(f"k8s: no Service {service!r}")
    elif [p["port"] for p in svc["spec"]["ports"]] != [port]:
        problems.append(f"k8s Service {service}: port is not {port}")
    return problems


def orchestrator_target_problems(
    by_kind: dict[tuple[str, str], dict[str, Any]],
    container: dict[str, Any],
    all_services: list[str],
) -> list[str]:
    maps = [s["configMapRef"]["name"] for s in container.get("envFrom", []) if "configMapRef" in s]
    data: dict[str, str] = {}
    for name in maps:
        data.update(by_kind.get(("ConfigMap", name), {}).get("data", {}))
    problems = []
    for agency in agencies(all_services):
        key, want = f"ELIG_{agency.upper()}_TARGET", f"{agency}:{DEFAULT_PORTS[agency]}"
        if data.get(key) != want:
            problems.append(f"k8s orchestrator: {key} is {data.get(key)!r}, not {want!r}")
    return problems


# ---- keys and certificates: what each service may read --------------------------------------

_KEYS = LocalConsentKeys.in_data_dir(Path("/"))
SIGNING, PUBLIC, SUBJECT = (
    p.name for p in (_KEYS.private_key_path, _KEYS.public_key_path, _KEYS.subject_key_path)
)
KEYS_FOLDER = _KEYS.private_key_path.parent.name
_TOKENS = LocalTokenKeys.in_data_dir(Path("/"))
TOKEN_SIGNING, TOKEN_PUBLIC = _TOKENS.private_key_path.name, _TOKENS.public_key_path.name
KEY_FILES = {SIGNING, PUBLIC, SUBJECT, TOKEN_SIGNING, TOKEN_PUBLIC}
# What each service loads from <data dir>/keys at start-up. The orchestrator signs consent,
# so it also holds the public half (handy to hand out), and checks caseworker tokens;
# Treasury checks consent proofs; SSA, HHS and USDA name people in their audit logs (HHS
# and USDA: the people of a change notice). No service signs tokens: that is the identity
# provider's job.
KEY_NEEDS: dict[str, set[str]] = {
    "orchestrator": {SIGNING, PUBLIC, SUBJECT, TOKEN_PUBLIC},
    "treasury": {PUBLIC, SUBJECT},
    "ssa": {SUBJECT},
    "hhs": {SUBJECT},
    "usda": {SUBJECT},
}
KEYS_SECRET = "elig-consent-keys"
TOKEN_SECRET = "elig-token-public-key"
# Every file the development CA writes: its own pair and one pair per identity.
_DEV = DevCertificates(Path("/"))
CA_FILE, CA_KEY = _DEV.ca_cert.name, _DEV.ca_key.name
TLS_FILES = {CA_FILE, CA_KEY}.union(
    *({_DEV.files(i).cert.name, _DEV.files(i).key.name} for i in LOCAL_IDENTITIES)
)
# One Secret per identity, with the key names cert-manager writes.
TLS_SECRET_PREFIX = "elig-tls-"
CERT_MANAGER_KEYS = {"ca.crt", "tls.crt", "tls.key"}
# The caseworker console: web pages, not a gRPC service, deployed beside the services. In
# the compose stack it stands in for the identity provider (it signs in whoever types an
# id), so it signs their tokens: the token signing key is the one key it needs, beside its
# own cookie key (deploy/README.md). It presents the caseworker-console certificate.
CONSOLE = "console"
CONSOLE_KEY_NEEDS = {TOKEN_SIGNING}
CONSOLE_COOKIE_KEY = "console-session.key"
# Compose's one-shot jobs that write key and certificate volumes, in the order compose
# runs them (certs waits for keys: both write the orchestrator's keys volume).
JOBS = ("keys", "certs")


@dataclass(frozen=True)
class Mount:
    """A folder a workload sees: where, whether read-only, and each file in it with where
    it comes from (a compose volume, or ``secret/key`` in Kubernetes)."""

    path: str
    read_only: bool
    files: dict[str, str]
    folder: Path | None = None  # compose: where the jobs left the files, to read them


def readable(mounts: list[Mount]) -> set[str]:
    return {name for mount in mounts for name in mount.files}


def services_loading_keys() -> set[str]:
    return {
        server.parent.name
        for server in (ROOT / "services").glob("*/server.py")
        if "LocalConsentKeys" in server.read_text(encoding="utf-8")
    }


def services_taking_tokens() -> set[str]:
    return {
        main.parent.name
        for main in (ROOT / "services").glob("*/__main__.py")
        if "takes_tokens=True" in main.read_text(encoding="utf-8")
    }


def keys_path(service: str, env: dict[str, Any]) -> str:
    """Where ``service`` looks for its keys: <data dir>/keys, as shared.settings resolves it."""
    settings = deployed_settings(service, env)
    return str(LocalConsentKeys.in_data_dir(settings.data_dir).private_key_path.parent)


def wrong_keys(service: str, readable: set[str], want: set[str] | None = None) -> list[str]:
    want = KEY_NEEDS.get(service, set()) if want is None else want
    have = readable & KEY_FILES
    problems = []
    if want - have:
        problems.append(f"{service}: lacks {sorted(want - have)}")
    if have - want:
        problems.append(f"{service}: gets {sorted(have - want)}, which it does not need")
    return problems


def wrong_certificates(service: str, readable: set[str], settings: ServiceSettings) -> list[str]:
    """The service must see the CA and its own pair, and nothing else the CA issued."""
    tls = settings.tls_files()
    want = {tls.ca.name, tls.cert.name, tls.key.name} if tls else set()
    have = readable & TLS_FILES
    problems = []
    if want - have:
        problems.append(f"{service}: lacks {sorted(want - have)}")
    if have - want:
        problems.append(f"{service}: gets {sorted(have - want)}, which are not its own")
    return problems


def placement_problems(where: str, settings: ServiceSettings, mounts: list[Mount]) -> list[str]:
    """Keys must be mounted where the service reads keys, certificates where it reads
    certificates, and neither writable."""
    keys_dir = str(LocalConsentKeys.in_data_dir(settings.data_dir).private_key_path.parent)
    certs_dir = str(settings.certificates_dir())
    problems = []
    for mount in mounts:
        files = set(mount.files)
        if files & KEY_FILES and mount.path != keys_dir:
            problems.append(f"{where}: keys are at {mount.path}, not {keys_dir}")
        if files & TLS_FILES and mount.path != certs_dir:
            problems.append(f"{where}: certificates are at {mount.path}, not {certs_dir}")
        if files & (KEY_FILES | TLS_FILES) and not mount.read_only:
            problems.append(f"{where}: {mount.path} is mounted writable")
    return problems


def _public_der(key: Any) -> bytes:
    return key.public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def certificate_problems(service: str, settings: ServiceSettings, mounts: list[Mount]) -> list[str]:
    """Whether the files a compose job left are the pair the service needs: a certificate
    naming its identity, signed by the CA it trusts, with the key that matches it."""
    tls = settings.tls_files()
    mount = next((m for m in mounts if tls and m.path == str(tls.ca.parent)), None)
    if tls is None or mount is None or mount.folder is None:
        return []
    paths = [mount.folder / p.name for p in (tls.ca, tls.cert, tls.key)]
    if not all(path.is_file() for path in paths):
        return []  # wrong_certificates says what is missing
    ca = x509.load_pem_x509_certificate(paths[0].read_bytes())
    cert = x509.load_pem_x509_certificate(paths[1].read_bytes())
    key = serialization.load_pem_private_key(paths[2].read_bytes(), password=None)
    problems = []
    names = [str(a.value) for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)]
    if names != [tls.cert.stem]:
        problems.append(f"{service}: its certificate names {names}, not [{tls.cert.stem!r}]")
    if _public_der(key.public_key()) != _public_der(cert.public_key()):
        problems.append(f"{service}: its key does not belong to its certificate")
    try:
        cert.verify_directly_issued_by(ca)
    except (ValueError, TypeError, InvalidSignature):
        problems.append(f"{service}: its certificate is not signed by the CA it trusts")
    return problems


# ---- compose: run the jobs, see what lands where -------------------------------------------


def compose_mounts(entry: dict[str, Any]) -> list[tuple[str, str, bool]]:
    """(source, target, read-only) for each of a compose service's volumes."""
    mounts = []
    for volume in entry.get("volumes", []):
        if isinstance(volume, dict):
            mounts.append(
                (volume.get("source", ""), volume["target"], bool(volume.get("read_only")))
            )
        else:
            source, target, *mode = str(volume).split(":")
            mounts.append((source, target, "ro" in "".join(mode).split(",")))
    return mounts


def run_compose_jobs(doc: dict[str, Any], workdir: Path) -> dict[str, Path]:
    """Run the keys and certs jobs' scripts as compose would, with this virtualenv's
    ``elig``: each named volume is a folder under ``workdir/volumes``, shared by every job
    that mounts it, and reached from each job's own paths through symlinks. Returns the
    folder of each volume the jobs write."""
    volumes: dict[str, Path] = {}
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    for name in JOBS:
        job = doc["services"][name]
        shell, flags, script = job["command"]
        assert shell == "sh" and flags.startswith("-"), f"the {name} job is no longer a sh script"
        mounts = compose_mounts(job)
        roots = {"/" + PurePosixPath(target).parts[1] for _, target, _ in mounts}
        assert len(roots) == 1, f"the {name} job's volumes should share one root, not {roots}"
        root = roots.pop()
        jobdir = workdir / "jobs" / name
        for source, target, _ in mounts:
            folder = volumes.setdefault(source, workdir / "volumes" / source)
            folder.mkdir(parents=True, exist_ok=True)
            link = jobdir / target.lstrip("/")
            link.parent.mkdir(parents=True, exist_ok=True)
            if not link.is_symlink():
                link.symlink_to(folder, target_is_directory=True)
        # Compose reads "$x" anywhere in the file as its own variable (blank when unset), so
        # a shell variable is written "$$x", which compose hands the shell as "$x".
        bare = script.replace("$$", "")
        assert "$" not in bare, f"the {name} job's script has a $ that compose would replace"
        script = script.replace("$$", "$").replace(root, str(jobdir / root.lstrip("/")))
        ran = subprocess.run([shell, flags, script], env=env, cwd=workdir, capture_output=True)
        assert ran.returncode == 0, f"the {name} job failed: {ran.stderr.decode(errors='replace')}"
    return volumes


def files_in(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir() if p.is_file()}


def compose_secret_mounts(doc: dict[str, Any], volumes: dict[str, Path]) -> dict[str, list[Mount]]:
    """For each compose service other than the jobs, the job-written volumes it mounts."""
    return {
        name: [
            Mount(
                target, read_only, dict.fromkeys(files_in(volumes[source]), source), volumes[source]
            )
            for source, target, read_only in compose_mounts(entry)
            if source in volumes
        ]
        for name, entry in doc["services"].items()
        if name not in JOBS
    }


def compose_readable(doc: dict[str, Any], volumes: dict[str, Path]) -> dict[str, set[str]]:
    return {name: readable(m) for name, m in compose_secret_mounts(doc, volumes).items()}


def compose_secret_problems(
    doc: dict[str, Any], volumes: dict[str, Path], service: str
) -> list[str]:
    """A compose service's own certificate pair and the CA, nothing of another identity's,
    and a certificate that is what it claims."""
    settings = deployed_settings(service, doc["services"][service].get("environment", {}))
    mounts = compose_secret_mounts(doc, volumes)[service]
    problems = wrong_certificates(service, readable(mounts), settings)
    return problems + certificate_problems(service, settings, mounts)


def compose_mount_problems(doc: dict[str, Any], volumes: dict[str, Path]) -> list[str]:
    """Key and certificate volumes where each service reads them, read-only, mounted only
    after the jobs that write them have finished."""
    written = {job: {s for s, _, _ in compose_mounts(doc["services"][job])} for job in JOBS}
    problems = []
    for name, mounts in compose_secret_mounts(doc, volumes).items():
        entry = doc["services"][name]
        settings = deployed_settings(name, entry.get("environment", {}))
        problems += placement_problems(name, settings, mounts)
        sources = {source for source, _, _ in compose_mounts(entry)}
        for job in JOBS:
            condition = entry.get("depends_on", {}).get(job, {}).get("condition")
            if written[job] & sources and condition != "service_completed_successfully":
                problems.append(f"{name}: starts without waiting for the {job} job")
    return problems


def console_tls_settings(env: dict[str, Any]) -> ServiceSettings:
    """The deployed console's certificate paths: where it looks, under its identity."""
    return deployed_settings(CONSOLE, {**env, "ELIG_TLS_IDENTITY": CASEWORKER_CONSOLE})


def compose_console_problems(doc: dict[str, Any], volumes: dict[str, Path]) -> list[str]:
    """The console as compose runs it: reachable from the host, calling the orchestrator
    by its service name over mutual TLS with its own certificate, holding the keys it
    signs with and no others, checked for health on its own port, and started after
    what it needs."""
    entry = doc["services"].get(CONSOLE)
    if entry is None:
        return ["compose.yaml has no console"]
    env = {k: str(v) for k, v in entry.get("environment", {}).items()}
    settings = ConsoleSettings.from_env({**image_env(), **env})
    problems = []
    if entry.get("command") != ["python", "-m", f"services.{CONSOLE}"]:
        problems.append(f"console: command is {entry.get('command')!r}")
    if settings.host != "0.0.0.0":
        problems.append(f"console: listens on {settings.host}, out of reach of the host")
    if not any(
        str(p).endswith(f":{settings.port}:{settings.port}") for p in entry.get("ports", [])
    ):
        problems.append(f"console: port {settings.port} is not published")
    want = f"orchestrator:{DEFAULT_PORTS['orchestrator']}"
    if settings.orchestrator_target != want:
        problems.append(f"console: calls {settings.orchestrator_target!r}, not {want!r}")
    if settings.tls_mode != MTLS:
        problems.append(f"console: calls the orchestrator in {settings.tls_mode}")
    test = entry.get("healthcheck", {}).get("test", [])
    if test[:1] != ["CMD"] or f"http://127.0.0.1:{settings.port}/healthz" not in " ".join(test):
        problems.append(f"console: healthcheck does not ask /healthz on port {settings.port}")
    depends = entry.get("depends_on", {})
    if depends.get("orchestrator", {}).get("condition") != "service_healthy":
        problems.append("console: starts before the orchestrator is healthy")
    mounts = compose_secret_mounts(doc, volumes)[CONSOLE]
    tls_settings = console_tls_settings(env)
    problems += wrong_certificates(CONSOLE, readable(mounts), tls_settings)
    problems += certificate_problems(CONSOLE, tls_settings, mounts)
    problems += wrong_keys(CONSOLE, readable(mounts), CONSOLE_KEY_NEEDS)
    if CONSOLE_COOKIE_KEY not in readable(mounts):
        problems.append(f"console: lacks {CONSOLE_COOKIE_KEY} (its keys are read-only)")
    return problems


# ---- Kubernetes: what each pod mounts from which Secret ------------------------------------


def all_k8s_objects() -> list[dict[str, Any]]:
    """Every object under deploy/k8s, applied by kustomize or not (the seed job, examples)."""
    objects: list[dict[str, Any]] = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            objects.extend(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d)
    return objects


def k8s_secret_keys(objects: list[dict[str, Any]]) -> dict[str, set[str]]:
    """The keys of each Secret deploy/k8s describes: the examples, and the Secrets that
    cert-manager Certificates write."""
    keys: dict[str, set[str]] = {}
    for obj in objects:
        if obj["kind"] == "Secret":
            name = obj["metadata"]["name"]
            keys[name] = set(obj.get("stringData", {})) | set(obj.get("data", {}))
        elif obj["kind"] == "Certificate":
            keys.setdefault(obj["spec"]["secretName"], set()).update(CERT_MANAGER_KEYS)
    return keys


def _secret_refs(volume: dict[str, Any]) -> list[tuple[str, list[dict[str, str]] | None]]:
    """(Secret name, items or None for every key) for a secret or projected volume."""
    if "secret" in volume:
        return [(volume["secret"].get("secretName", ""), volume["secret"].get("items"))]
    sources = volume.get("projected", {}).get("sources", [])
    return [
        (s["secret"].get("name", ""), s["secret"].get("items")) for s in sources if "secret" in s
    ]


def k8s_workloads(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    kinds = ("Deployment", "Job", "StatefulSet", "DaemonSet")
    return [o for o in objects if o["kind"] in kinds]


def k8s_mounts(
    workload: dict[str, Any], secrets: dict[str, set[str]]
) -> tuple[list[Mount], list[str]]:
    """The Secret files a workload's containers see, and mounts of keys no Secret has."""
    name, pod = workload["metadata"]["name"], workload["spec"]["template"]["spec"]
    problems: list[str] = []
    files_of: dict[str, dict[str, str]] = {}  # volume name -> file name -> "secret/key"
    for volume in pod.get("volumes", []):
        files: dict[str, str] = {}
        for secret, items in _secret_refs(volume):
            known = secrets.get(secret)
            if known is None:
                problems.append(
                    f"k8s {name}: mounts Secret {secret!r}, which deploy/k8s does not describe"
                )
                known = set()
            for item in items if items is not None else [{"key": k, "path": k} for k in known]:
                if item["key"] not in known:
                    problems.append(f"k8s {name}: {item['key']!r} is not a key of {secret}")
                files[item["path"]] = f"{secret}/{item['key']}"
        if files:
            files_of[volume["name"]] = files
    mounts = [
        Mount(m["mountPath"], bool(m.get("readOnly")), files_of[m["name"]])
        for container in pod.get("containers", []) + pod.get("initContainers", [])
        for m in container.get("volumeMounts", [])
        if m["name"] in files_of
    ]
    return mounts, problems


def k8s_readable(objects: list[dict[str, Any]]) -> dict[str, set[str]]:
    secrets = k8s_secret_keys(objects)
    return {
        w["metadata"]["name"]: readable(k8s_mounts(w, secrets)[0]) for w in k8s_workloads(objects)
    }


def k8s_source_problems(service: str, settings: ServiceSettings, mounts: list[Mount]) -> list[str]:
    """Each file must come from the Secret meant for it: the certificate pair and the CA
    from the service's own identity Secret, keys from the consent and token Secrets; no
    key of another identity's Secret may be mounted at all, under any name."""
    tls = settings.tls_files()
    own = TLS_SECRET_PREFIX + (tls.cert.stem if tls else service)
    want = {name: f"{KEYS_SECRET}/{name}" for name in (SIGNING, PUBLIC, SUBJECT)}
    want[TOKEN_PUBLIC] = f"{TOKEN_SECRET}/{TOKEN_PUBLIC}"
    if tls:
        want |= {
            tls.ca.name: f"{own}/ca.crt",
            tls.cert.name: f"{own}/tls.crt",
            tls.key.name: f"{own}/tls.key",
        }
    problems = []
    for mount in mounts:
        for file, source in sorted(mount.files.items()):
            if source.startswith(TLS_SECRET_PREFIX) and not source.startswith(own + "/"):
                problems.append(f"k8s {service}: mounts {source}, another identity's")
            elif file in want and source != want[file]:
                problems.append(f"k8s {service}: {file} comes from {source}, not {want[file]}")
    return problems


def k8s_secret_problems(objects: list[dict[str, Any]], service: str) -> list[str]:
    """What a service's pod reads from Secrets: exactly its keys, exactly its own
    certificate pair and the CA, each from the right Secret, where it looks, read-only."""
    workload = next(
        o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == service
    )
    settings = deployed_settings(
        service, k8s_env(workload["spec"]["template"]["spec"]["containers"][0])
    )
    mounts, problems = k8s_mounts(workload, k8s_secret_keys(objects))
    have = readable(mounts)
    problems += wrong_keys(service, have) + wrong_certificates(service, have, settings)
    problems += placement_problems(f"k8s {service}", settings, mounts)
    return problems + k8s_source_problems(service, settings, mounts)


def example_secret(name: str) -> dict[str, Any]:
    return next(
        o for o in all_k8s_objects() if o["kind"] == "Secret" and o["metadata"]["name"] == name
    )


def kustomized_files() -> set[str]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    return set(kustomization["resources"])


# ---- the image -------------------------------------------------------------------------------


def init_script_databases() -> set[str]:
    text = (DEPLOY / "postgres" / "init-databases.sh").read_text(encoding="utf-8")
    match = re.search(r'^SERVICES="([^"]*)"', text, re.MULTILINE)
    return set(match.group(1).split()) if match else set()


def joined_lines(text: str) -> list[str]:
    """Lines with backslash continuations joined and runs of whitespace collapsed."""
    return [" ".join(line.split()) for line in text.replace("\\\n", " ").splitlines()]


def makefile_protoc() -> str:
    text = (ROOT / "Makefile").read_text(encoding="utf-8")
    line = next(line for line in joined_lines(text) if "grpc_tools.protoc" in line)
    return line.replace("$(BIN)/", "")


def dockerfile_protoc() -> str:
    """The Dockerfile's protoc call, with its find command spelled as the Makefile's $(PROTOS)."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    protos = re.search(r"^PROTOS := \$\(shell (.*)\)$", makefile, re.MULTILINE)
    assert protos, "the Makefile no longer defines PROTOS with $(shell ...)"
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    line = next(line for line in joined_lines(text) if "grpc_tools.protoc" in line)
    command = line[line.index("python -m grpc_tools.protoc") :].split(" && ")[0]
    return command.replace(f"$({protos.group(1)})", "$(PROTOS)")


# ---- the tests --------------------------------------------------------------------------------

SERVICES = code_services()


def test_services_are_found_in_the_code() -> None:
    assert "treasury" in SERVICES
    assert "cli" not in SERVICES and "harness" not in SERVICES
    assert set(SERVICES) <= set(DEFAULT_PORTS), "a service has no default port"


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_runs_in_compose_on_its_port_with_its_own_database_checked_over_tls(
    service: str,
) -> None:
    assert compose_problems(compose(), service, SERVICES) == []


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_a_kubernetes_deployment_and_service_with_tls_health_probes(
    service: str,
) -> None:
    assert k8s_problems(k8s_objects(), service, SERVICES) == []


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_gets_a_database_from_the_postgres_init_script(service: str) -> None:
    assert service in init_script_databases()


def test_the_seed_job_seeds_every_service_that_has_a_seed_command() -> None:
    assert seed_problems(compose(), seeded_services()) == []


def test_compose_deploys_nothing_the_code_does_not_know() -> None:
    deployed = set(compose()["services"]) - {"postgres", "seed", *JOBS}
    assert deployed <= set(DEFAULT_PORTS) | {CONSOLE}


def test_compose_waits_for_healthy_postgres() -> None:
    doc = compose()
    assert doc["services"]["postgres"]["image"].startswith("postgres:16")
    assert "healthcheck" in doc["services"]["postgres"]
    for name in SERVICES:
        condition = doc["services"][name]["depends_on"]["postgres"]["condition"]
        assert condition == "service_healthy"


def test_the_services_that_load_consent_keys_are_the_ones_given_keys() -> None:
    assert services_loading_keys() == set(KEY_NEEDS)
    assert set(KEY_NEEDS) <= set(SERVICES)


def test_the_services_that_check_caseworker_tokens_are_the_ones_given_the_token_key() -> None:
    given = {name for name, needs in KEY_NEEDS.items() if TOKEN_PUBLIC in needs}
    assert services_taking_tokens() == given == {"orchestrator"}


@pytest.fixture(scope="module")
def compose_volumes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    return run_compose_jobs(compose(), tmp_path_factory.mktemp("compose-jobs"))


def test_the_compose_jobs_are_idempotent_and_keep_what_they_find(tmp_path: Path) -> None:
    run_compose_jobs(compose(), tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    run_compose_jobs(compose(), tmp_path)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_gets_exactly_the_keys_it_needs_in_compose(
    service: str, compose_volumes: dict[str, Path]
) -> None:
    assert wrong_keys(service, compose_readable(compose(), compose_volumes)[service]) == []


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_gets_its_own_certificate_and_no_other_identitys_in_compose(
    service: str, compose_volumes: dict[str, Path]
) -> None:
    assert compose_secret_problems(compose(), compose_volumes, service) == []


def test_every_compose_service_trusts_the_one_ca_that_signed_them_all(
    compose_volumes: dict[str, Path],
) -> None:
    cas = {
        (mount.folder / CA_FILE).read_bytes()
        for mounts in compose_secret_mounts(compose(), compose_volumes).values()
        for mount in mounts
        if mount.folder and CA_FILE in mount.files
    }
    assert len(cas) == 1


def test_compose_mounts_keys_and_certificates_read_only_where_the_services_look_after_the_jobs(
    compose_volumes: dict[str, Path],
) -> None:
    assert compose_mount_problems(compose(), compose_volumes) == []


def test_the_consent_signing_key_reaches_the_orchestrator_only(
    compose_volumes: dict[str, Path],
) -> None:
    in_compose = compose_readable(compose(), compose_volumes)
    in_k8s = k8s_readable(all_k8s_objects())
    assert {name for name, files in in_compose.items() if SIGNING in files} == {"orchestrator"}
    assert {name for name, files in in_k8s.items() if SIGNING in files} == {"orchestrator"}


def test_the_token_public_key_reaches_the_orchestrator_alone_and_the_signing_key_the_console(
    compose_volumes: dict[str, Path],
) -> None:
    in_compose = compose_readable(compose(), compose_volumes)
    in_k8s = k8s_readable(all_k8s_objects())
    for where in (in_compose, in_k8s):
        assert {name for name, files in where.items() if TOKEN_PUBLIC in files} == {"orchestrator"}
    # Compose's console signs caseworkers in itself; Kubernetes has no console and leaves
    # signing to an identity provider.
    assert {name for name, files in in_compose.items() if TOKEN_SIGNING in files} == {CONSOLE}
    assert {name for name, files in in_k8s.items() if TOKEN_SIGNING in files} == set()


def test_the_ca_key_stays_in_the_certs_jobs_own_volume_and_the_token_signing_key_too_but_the_consoles(
    compose_volumes: dict[str, Path],
) -> None:
    def holders(name: str) -> set[str]:
        return {
            source
            for source, folder in compose_volumes.items()
            if name in {p.name for p in folder.rglob("*")}
        }

    def mounted(holding: set[str]) -> set[str]:
        return {
            name
            for name, entry in compose()["services"].items()
            if name not in JOBS
            for source, _, _ in compose_mounts(entry)
            if source in holding
        }

    assert holders(CA_KEY) == {"certs-issuer"}
    assert mounted(holders(CA_KEY)) == set()
    assert mounted(holders(TOKEN_SIGNING)) == {CONSOLE}
    assert holders(TOKEN_SIGNING) - {"certs-issuer"} <= {
        source for source, _, _ in compose_mounts(compose()["services"][CONSOLE])
    }


def test_the_console_runs_in_compose_reachable_with_its_certificate_and_the_keys_it_signs_with(
    compose_volumes: dict[str, Path],
) -> None:
    assert compose_console_problems(compose(), compose_volumes) == []


def test_the_console_starts_on_what_compose_gives_it_writes_nothing_and_its_tokens_are_accepted(
    compose_volumes: dict[str, Path], tmp_path: Path
) -> None:
    # Its data folder as the container sees it: the two read-only volumes, nothing more.
    entry = compose()["services"][CONSOLE]
    data = tmp_path / "data"
    for source, target, _ in compose_mounts(entry):
        if source in compose_volumes:
            link = data / PurePosixPath(target).relative_to("/data")
            link.parent.mkdir(parents=True, exist_ok=True)
            link.symlink_to(compose_volumes[source], target_is_directory=True)
    before = {p: p.read_bytes() for p in data.rglob("*") if p.is_file()}
    app = create_app(ConsoleSettings(data_dir=data))
    assert session_secret(data) == (data / "keys" / CONSOLE_COOKIE_KEY).read_bytes()
    _, token = app.state.orchestrator.metadata("cw-compose", "caseworker")[0]
    assert {p: p.read_bytes() for p in data.rglob("*") if p.is_file()} == before
    # The orchestrator's keys volume holds the public key that must accept it.
    public = compose_volumes["consent-keys-orchestrator"] / TOKEN_PUBLIC
    verifier = LocalTokenKeys(public.with_name(TOKEN_SIGNING), public).verifier()
    cert = (data / "certs" / f"{CASEWORKER_CONSOLE}.pem").read_bytes()
    caseworker = verifier.verify(
        token.removeprefix("Bearer "),
        tool=CASEWORKER_CONSOLE,
        tool_cert_pem=cert,
        now=dt.datetime.now(dt.UTC),
    )
    assert (caseworker.id, caseworker.role) == ("cw-compose", "caseworker")


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_gets_exactly_its_own_certificate_and_its_keys_in_kubernetes(
    service: str,
) -> None:
    assert k8s_secret_problems(all_k8s_objects(), service) == []


def test_the_consent_keys_secret_is_an_unapplied_example_with_the_three_keys() -> None:
    assert "consent-keys-secret.example.yaml" not in kustomized_files()
    secret = example_secret(KEYS_SECRET)
    assert set(secret["stringData"]) == {SIGNING, PUBLIC, SUBJECT}
    assert all(value.startswith("CHANGE-ME") for value in secret["stringData"].values())


def test_the_token_key_secret_is_an_unapplied_example_with_the_public_key_only() -> None:
    assert "token-key-secret.example.yaml" not in kustomized_files()
    secret = example_secret(TOKEN_SECRET)
    assert set(secret["stringData"]) == {TOKEN_PUBLIC}
    assert secret["stringData"][TOKEN_PUBLIC].startswith("CHANGE-ME")


def test_the_identity_secrets_are_unapplied_examples_one_per_service() -> None:
    assert "tls-secrets.example.yaml" not in kustomized_files()
    for service in SERVICES:
        secret = example_secret(TLS_SECRET_PREFIX + service)
        assert secret["type"] == "kubernetes.io/tls"
        assert set(secret["stringData"]) == CERT_MANAGER_KEYS
        assert all(value.startswith("CHANGE-ME") for value in secret["stringData"].values())


def test_cert_manager_issues_each_service_a_certificate_naming_it_into_its_own_secret() -> None:
    assert "cert-manager.example.yaml" not in kustomized_files()
    certificates = {
        o["spec"]["secretName"]: o["spec"] for o in all_k8s_objects() if o["kind"] == "Certificate"
    }
    assert set(certificates) == {TLS_SECRET_PREFIX + s for s in SERVICES}
    for service in SERVICES:
        spec = certificates[TLS_SECRET_PREFIX + service]
        assert spec["commonName"] == service
        # The orchestrator dials each agency by its Service name (elig-targets).
        assert service in spec["dnsNames"]
        assert {"server auth", "client auth"} <= set(spec["usages"])


def test_the_image_generates_code_with_the_makefiles_protoc_command() -> None:
    assert dockerfile_protoc() == makefile_protoc()


def test_the_image_pins_the_makefiles_grpcio_tools_version() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    make_version = re.search(r"^GRPC_VERSION := (\S+)$", makefile, re.MULTILINE)
    image_version = re.search(r"^ARG GRPC_VERSION=(\S+)$", dockerfile, re.MULTILINE)
    assert make_version and image_version
    assert image_version.group(1) == make_version.group(1)


def test_the_image_runs_as_a_non_root_user_without_build_tools() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    runtime = dockerfile.split("AS runtime", 1)[1]
    assert re.search(r"^USER 10001", runtime, re.MULTILINE)
    assert "grpcio-tools" not in runtime and "apt-get" not in runtime


def test_the_image_has_a_mount_point_owned_by_the_app_user_for_every_job_volume() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    runtime = joined_lines(dockerfile.split("AS runtime", 1)[1])
    made = {word for line in runtime if "mkdir" in line for word in line.split()}
    owned = {
        word
        for line in runtime
        for match in re.finditer(r"chown -R 10001:10001 ([^&]+)", line)
        for word in match.group(1).split()
    }
    for job in JOBS:
        for _, target, _ in compose_mounts(compose()["services"][job]):
            assert target in made, f"the image has no mount point {target}"
            assert any(target.startswith(root + "/") for root in owned), f"{target} is root's"


# ---- the checks themselves notice a broken deployment ----------------------------------------


def test_a_service_missing_from_compose_is_reported() -> None:
    doc = compose()
    del doc["services"]["treasury"]
    assert compose_problems(doc, "treasury", SERVICES) == ["compose.yaml has no service 'treasury'"]


def test_an_orchestrator_target_on_the_wrong_port_is_reported() -> None:
    doc = compose()
    doc["services"]["orchestrator"]["environment"]["ELIG_TREASURY_TARGET"] = "treasury:1"
    problems = compose_problems(doc, "orchestrator", ["orchestrator", "treasury"])
    assert problems == ["orchestrator: ELIG_TREASURY_TARGET is 'treasury:1', not 'treasury:50051'"]


def test_a_plaintext_compose_healthcheck_is_reported() -> None:
    doc = compose()
    doc["services"]["hhs"]["healthcheck"]["test"] = [
        "CMD",
        "grpc-health-check",
        "--plaintext",
        "127.0.0.1:50052",
    ]
    assert compose_problems(doc, "hhs", SERVICES) == [
        "hhs healthcheck: checks health in plain text"
    ]


def test_a_compose_service_switched_to_plaintext_is_reported() -> None:
    doc = compose()
    doc["services"]["usda"]["environment"]["ELIG_TLS_MODE"] = "plaintext"
    assert compose_problems(doc, "usda", SERVICES) == ["usda: runs with ELIG_TLS_MODE=plaintext"]


def test_a_service_missing_from_kubernetes_is_reported() -> None:
    objects = [o for o in k8s_objects() if o["metadata"]["name"] != "treasury"]
    assert k8s_problems(objects, "treasury", SERVICES) == [
        "k8s: no Deployment 'treasury'",
        "k8s: no Service 'treasury'",
    ]


def _container(objects: list[dict[str, Any]], name: str) -> dict[str, Any]:
    deployment = next(
        o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == name
    )
    return deployment["spec"]["template"]["spec"]["containers"][0]


def _pod(objects: list[dict[str, Any]], name: str) -> dict[str, Any]:
    deployment = next(
        o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == name
    )
    return deployment["spec"]["template"]["spec"]


def test_a_probe_on_the_wrong_port_is_reported() -> None:
    objects = k8s_objects()
    command = _container(objects, "ssa")["livenessProbe"]["exec"]["command"]
    command[-1] = "127.0.0.1:1"
    assert k8s_problems(objects, "ssa", SERVICES) == [
        "k8s ssa livenessProbe: asks 127.0.0.1:1, not port 50053"
    ]


def test_a_native_grpc_probe_is_reported_as_unable_to_speak_tls() -> None:
    objects = k8s_objects()
    _container(objects, "usda")["readinessProbe"] = {"grpc": {"port": 50054}}
    assert k8s_problems(objects, "usda", SERVICES) == [
        "k8s usda readinessProbe: Kubernetes' gRPC probe cannot speak TLS"
    ]


def test_a_probe_presenting_another_identity_is_reported() -> None:
    objects = k8s_objects()
    command = _container(objects, "treasury")["readinessProbe"]["exec"]["command"]
    command[command.index("--identity") + 1] = "orchestrator"
    assert k8s_problems(objects, "treasury", SERVICES) == [
        "k8s treasury readinessProbe: presents 'orchestrator', not 'treasury'"
    ]


def test_a_signing_key_volume_mounted_into_an_agency_is_reported(
    compose_volumes: dict[str, Path],
) -> None:
    doc = compose()
    doc["services"]["treasury"]["volumes"] = ["consent-keys-orchestrator:/data/keys:ro"]
    readable_files = compose_readable(doc, compose_volumes)
    assert wrong_keys("treasury", readable_files["treasury"]) == [
        f"treasury: gets {sorted({SIGNING, TOKEN_PUBLIC})}, which it does not need"
    ]


def test_a_writable_compose_keys_mount_is_reported(compose_volumes: dict[str, Path]) -> None:
    doc = compose()
    doc["services"]["ssa"]["volumes"] = [
        "app-data:/data",
        "consent-keys-ssa:/data/keys",
        "certs-ssa:/data/certs:ro",
    ]
    assert compose_mount_problems(doc, compose_volumes) == ["ssa: /data/keys is mounted writable"]


def test_another_services_certificate_volume_in_compose_is_reported(
    compose_volumes: dict[str, Path],
) -> None:
    doc = compose()
    doc["services"]["hhs"]["volumes"].append("certs-usda:/data/usda-certs:ro")
    assert compose_secret_problems(doc, compose_volumes, "hhs") == [
        f"hhs: gets {sorted({'usda.key', 'usda.pem'})}, which are not its own"
    ]
    assert compose_mount_problems(doc, compose_volumes) == [
        "hhs: certificates are at /data/usda-certs, not /data/certs"
    ]


def test_a_service_that_does_not_wait_for_the_certs_job_is_reported(
    compose_volumes: dict[str, Path],
) -> None:
    doc = compose()
    del doc["services"]["usda"]["depends_on"]["certs"]
    assert compose_mount_problems(doc, compose_volumes) == [
        "usda: starts without waiting for the certs job"
    ]


def test_a_console_out_of_reach_or_calling_another_orchestrator_is_reported(
    compose_volumes: dict[str, Path],
) -> None:
    doc = compose()
    env = doc["services"][CONSOLE]["environment"]
    env["ELIG_CONSOLE_HOST"] = "127.0.0.1"
    env["ELIG_ORCHESTRATOR_TARGET"] = "127.0.0.1:50050"
    assert compose_console_problems(doc, compose_volumes) == [
        "console: listens on 127.0.0.1, out of reach of the host",
        "console: calls '127.0.0.1:50050', not 'orchestrator:50050'",
    ]


def test_a_console_without_its_keys_volume_is_reported(compose_volumes: dict[str, Path]) -> None:
    doc = compose()
    entry = doc["services"][CONSOLE]
    entry["volumes"] = [v for v in entry["volumes"] if not str(v).startswith("console-keys:")]
    assert compose_console_problems(doc, compose_volumes) == [
        f"console: lacks ['{TOKEN_SIGNING}']",
        f"console: lacks {CONSOLE_COOKIE_KEY} (its keys are read-only)",
    ]


def _with_certs_script_line(line: str) -> dict[str, Any]:
    doc = compose()
    doc["services"]["certs"]["command"][2] += line + "\n"
    return doc


def test_a_certs_job_that_hands_out_another_identitys_key_is_reported(tmp_path: Path) -> None:
    doc = _with_certs_script_line(
        "cp -p /certs-out/issuer/certs/orchestrator.key /certs-out/treasury/certs/"
    )
    volumes = run_compose_jobs(doc, tmp_path)
    assert compose_secret_problems(doc, volumes, "treasury") == [
        "treasury: gets ['orchestrator.key'], which are not its own"
    ]


def test_a_certs_job_that_hands_out_the_wrong_certificate_is_reported(tmp_path: Path) -> None:
    doc = _with_certs_script_line(
        "cp -p /certs-out/issuer/certs/ssa.pem /certs-out/treasury/certs/treasury.pem"
    )
    volumes = run_compose_jobs(doc, tmp_path)
    assert compose_secret_problems(doc, volumes, "treasury") == [
        "treasury: its certificate names ['ssa'], not ['treasury']",
        "treasury: its key does not belong to its certificate",
    ]


def test_a_certs_job_that_hands_out_the_token_signing_key_is_reported(tmp_path: Path) -> None:
    doc = _with_certs_script_line(
        "cp -p /certs-out/issuer/keys/token-signing.pem /certs-out/orchestrator/keys/"
    )
    volumes = run_compose_jobs(doc, tmp_path)
    assert wrong_keys("orchestrator", compose_readable(doc, volumes)["orchestrator"]) == [
        f"orchestrator: gets ['{TOKEN_SIGNING}'], which it does not need"
    ]


def test_a_kubernetes_keys_volume_without_items_is_reported_as_too_many_keys() -> None:
    objects = all_k8s_objects()
    volume = next(v for v in _pod(objects, "ssa")["volumes"] if v["name"] == "consent-keys")
    del volume["secret"]["items"]
    assert wrong_keys("ssa", k8s_readable(objects)["ssa"]) == [
        f"ssa: gets {sorted({PUBLIC, SIGNING})}, which it does not need"
    ]


def test_a_missing_kubernetes_keys_mount_is_reported() -> None:
    objects = all_k8s_objects()
    container = _container(objects, "treasury")
    container["volumeMounts"] = [
        m for m in container["volumeMounts"] if m["name"] != "consent-keys"
    ]
    assert k8s_secret_problems(objects, "treasury") == [
        f"treasury: lacks {sorted({PUBLIC, SUBJECT})}"
    ]


def test_a_missing_token_key_in_the_orchestrators_keys_is_reported() -> None:
    objects = all_k8s_objects()
    volume = next(v for v in _pod(objects, "orchestrator")["volumes"] if v["name"] == "keys")
    volume["projected"]["sources"] = [
        s for s in volume["projected"]["sources"] if s["secret"]["name"] != TOKEN_SECRET
    ]
    assert k8s_secret_problems(objects, "orchestrator") == [
        f"orchestrator: lacks ['{TOKEN_PUBLIC}']"
    ]


def test_another_identitys_secret_renamed_as_ones_own_is_reported() -> None:
    objects = all_k8s_objects()
    volume = next(v for v in _pod(objects, "treasury")["volumes"] if v["name"] == "tls")
    volume["secret"]["secretName"] = TLS_SECRET_PREFIX + "orchestrator"
    assert k8s_secret_problems(objects, "treasury") == [
        f"k8s treasury: mounts {TLS_SECRET_PREFIX}orchestrator/ca.crt, another identity's",
        f"k8s treasury: mounts {TLS_SECRET_PREFIX}orchestrator/tls.key, another identity's",
        f"k8s treasury: mounts {TLS_SECRET_PREFIX}orchestrator/tls.crt, another identity's",
    ]


def test_a_writable_kubernetes_certificate_mount_is_reported() -> None:
    objects = all_k8s_objects()
    for mount in _container(objects, "hhs")["volumeMounts"]:
        if mount["name"] == "tls":
            del mount["readOnly"]
    assert k8s_secret_problems(objects, "hhs") == ["k8s hhs: /data/certs is mounted writable"]


def test_a_kubernetes_service_switched_to_plaintext_is_reported() -> None:
    objects = k8s_objects()
    _container(objects, "hhs")["env"].append({"name": "ELIG_TLS_MODE", "value": "plaintext"})
    problems = k8s_problems(objects, "hhs", SERVICES)
    assert problems == ["k8s hhs: runs with ELIG_TLS_MODE=plaintext"]


# ---- the health check itself, against a real server ------------------------------------------


async def health_check(*args: str) -> tuple[int, str]:
    """Run the image's health check in its own process, as a probe does."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(HEALTH_CHECK),
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )
    output, _ = await process.communicate()
    assert process.returncode is not None
    return process.returncode, output.decode().strip()


@pytest.fixture
async def usda(serve: Serve, clock: FixedClock, tmp_path: Path) -> ServerHandle:  # noqa: F811
    return await serve(usda_bindings_at(tmp_path, clock))


@pytest.fixture
def certs(credentials: Path) -> Path:  # noqa: F811
    return DevCertificates.in_data_dir(credentials).folder


async def test_the_health_check_passes_presenting_the_services_own_certificate(
    usda: ServerHandle, certs: Path
) -> None:
    code, said = await health_check("--tls-dir", str(certs), "--identity", "usda", usda.target)
    assert (code, said) == (0, f"{usda.target}: SERVING")


async def test_the_health_check_passes_for_any_identity_the_ca_signed(
    usda: ServerHandle, certs: Path
) -> None:
    code, said = await health_check(
        "--tls-dir", str(certs), "--identity", "hhs", "--server-name", "usda", usda.target
    )
    assert (code, said) == (0, f"{usda.target}: SERVING")


async def test_the_health_check_fails_when_the_server_is_not_serving(
    usda: ServerHandle, certs: Path
) -> None:
    await usda.running.health.set("", health_pb2.HealthCheckResponse.NOT_SERVING)
    code, said = await health_check("--tls-dir", str(certs), "--identity", "usda", usda.target)
    assert (code, said) == (1, f"{usda.target}: NOT_SERVING")


async def test_the_health_check_fails_with_a_certificate_from_another_ca(
    usda: ServerHandle, certs: Path, tmp_path: Path
) -> None:
    foreign = DevCertificates(tmp_path / "foreign").ensure(["usda"]).files("usda")
    mixed = tmp_path / "mixed"
    mixed.mkdir()
    shutil.copy(certs / CA_FILE, mixed / CA_FILE)  # it trusts the server; the server not it
    shutil.copy(foreign.cert, mixed / foreign.cert.name)
    shutil.copy(foreign.key, mixed / foreign.key.name)
    code, said = await health_check("--tls-dir", str(mixed), "--identity", "usda", usda.target)
    assert (code, said) == (1, f"{usda.target}: UNAVAILABLE")


async def test_the_health_check_fails_when_the_server_is_not_who_it_expects(
    usda: ServerHandle, certs: Path
) -> None:
    code, said = await health_check(
        "--tls-dir", str(certs), "--identity", "usda", "--server-name", "treasury", usda.target
    )
    assert (code, said) == (1, f"{usda.target}: UNAVAILABLE")


async def test_the_health_check_in_plaintext_fails_against_a_tls_server(
    usda: ServerHandle,
) -> None:
    code, said = await health_check("--plaintext", usda.target)
    assert (code, said) == (1, f"{usda.target}: UNAVAILABLE")


async def test_the_health_check_names_a_missing_certificate_file_and_exits_2(
    tmp_path: Path,
) -> None:
    code, said = await health_check("--tls-dir", str(tmp_path), "--identity", "usda", "127.0.0.1:1")
    assert code == 2
    assert str(tmp_path / CA_FILE) in said and "BEGIN" not in said
