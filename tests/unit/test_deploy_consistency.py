"""deploy/ stays in step with the code: every service the code defines is deployed,
on its port, with its database and with the consent keys it needs and no others, and the
image generates code the way the Makefile does.

Each check returns the problems it finds, so the same functions are also run against
a deliberately incomplete deployment to prove they notice.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath
from typing import Any

import pytest
import yaml
from grpc_health.v1 import health_pb2

from services.usda.rules import load_parameters as usda_parameters
from services.usda.server import bindings as usda_bindings
from shared.clock import FixedClock
from shared.consent import LocalConsentKeys
from shared.settings import DEFAULT_PORTS
from shared.tls import DevCertificates

# The integration layer's real-server fixtures, for the health check's own tests.
from tests.integration.conftest import (  # noqa: F401
    Serve,
    ServerHandle,
    credentials,
    serve,
)

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
HEALTH_CHECK = DEPLOY / "grpc_health_check.py"
CA_FILE = DevCertificates(Path("/")).ca_cert.name


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
    if str(port) not in " ".join(entry.get("healthcheck", {}).get("test", [])):
        problems.append(f"{service}: no healthcheck on port {port}")
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
        if container.get("command") != ["python", "-m", f"services.{service}"]:
            problems.append(f"k8s {service}: command is {container.get('command')!r}")
        if [p["containerPort"] for p in container.get("ports", [])] != [port]:
            problems.append(f"k8s {service}: containerPort is not {port}")
        for probe in ("readinessProbe", "livenessProbe"):
            if container.get(probe, {}).get("grpc", {}).get("port") != port:
                problems.append(f"k8s {service}: {probe} is not a gRPC probe on {port}")
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


# ---- consent keys ------------------------------------------------------------------------------

_KEYS = LocalConsentKeys.in_data_dir(Path("/"))
SIGNING, PUBLIC, SUBJECT = (
    p.name for p in (_KEYS.private_key_path, _KEYS.public_key_path, _KEYS.subject_key_path)
)
KEYS_FOLDER = _KEYS.private_key_path.parent.name
# What each service loads at start-up. The orchestrator signs, so it also holds the public
# half (handy to hand out); Treasury checks proofs; SSA names people in its audit log.
KEY_NEEDS: dict[str, set[str]] = {
    "orchestrator": {SIGNING, PUBLIC, SUBJECT},
    "treasury": {PUBLIC, SUBJECT},
    "ssa": {SUBJECT},
}
KEYS_SECRET = "elig-consent-keys"


def services_loading_keys() -> set[str]:
    return {
        server.parent.name
        for server in (ROOT / "services").glob("*/server.py")
        if "LocalConsentKeys" in server.read_text(encoding="utf-8")
    }


def image_data_dir() -> str:
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    match = re.search(r"\bELIG_DATA_DIR=(\S+)", text)
    assert match, "the Dockerfile no longer sets ELIG_DATA_DIR"
    return match.group(1)


def keys_path(service: str, env: dict[str, str]) -> str:
    """Where ``service`` looks for its keys: <data dir>/keys, as shared.settings resolves it."""
    data_dir = env.get(f"ELIG_{service.upper()}_DATA_DIR") or env.get("ELIG_DATA_DIR")
    return str(PurePosixPath(data_dir or image_data_dir()) / KEYS_FOLDER)


def wrong_keys(service: str, readable: set[str]) -> list[str]:
    want = KEY_NEEDS.get(service, set())
    problems = []
    if want - readable:
        problems.append(f"{service}: lacks {sorted(want - readable)}")
    if readable - want:
        problems.append(f"{service}: gets {sorted(readable - want)}, which it does not need")
    return problems


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


def run_compose_keys_job(doc: dict[str, Any], workdir: Path) -> dict[str, set[str]]:
    """The files the keys job leaves in each volume it writes, found by running its script
    with those volumes as folders under ``workdir`` and this virtualenv's ``elig``."""
    job = doc["services"]["keys"]
    shell, flags, script = job["command"]
    assert shell == "sh" and flags.startswith("-"), "the keys job is no longer a sh script"
    mounts = compose_mounts(job)
    roots = {"/" + PurePosixPath(target).parts[1] for _, target, _ in mounts}
    assert len(roots) == 1, f"the keys job's volumes should share one root, not {roots}"
    root = roots.pop()
    local = {source: workdir / target.lstrip("/") for source, target, _ in mounts}
    for folder in local.values():
        folder.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, PATH=f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    script = script.replace(root, str(workdir / root.lstrip("/")))
    ran = subprocess.run([shell, flags, script], env=env, cwd=workdir, capture_output=True)
    assert ran.returncode == 0, f"the keys job failed: {ran.stderr.decode(errors='replace')}"
    return {source: {p.name for p in folder.iterdir()} for source, folder in local.items()}


def compose_key_files(doc: dict[str, Any], volumes: dict[str, set[str]]) -> dict[str, set[str]]:
    """The key files each compose service (other than the keys job) can read."""
    return {
        name: set().union(*(volumes.get(source, set()) for source, _, _ in compose_mounts(entry)))
        for name, entry in doc["services"].items()
        if name != "keys"
    }


def compose_key_mount_problems(doc: dict[str, Any], volumes: dict[str, set[str]]) -> list[str]:
    problems = []
    for name, entry in doc["services"].items():
        if name == "keys":
            continue
        for source, target, read_only in compose_mounts(entry):
            if source not in volumes:
                continue
            want = keys_path(name, entry.get("environment", {}))
            if target != want:
                problems.append(f"{name}: keys volume {source} is at {target}, not {want}")
            if not read_only:
                problems.append(f"{name}: keys volume {source} is writable")
            if KEY_NEEDS.get(name) and "keys" not in entry.get("depends_on", {}):
                problems.append(f"{name}: starts without waiting for the keys job")
    return problems


def all_k8s_objects() -> list[dict[str, Any]]:
    """Every object under deploy/k8s, applied by kustomize or not (the seed job, examples)."""
    objects: list[dict[str, Any]] = []
    for path in sorted(K8S.glob("*.yaml")):
        if path.name != "kustomization.yaml":
            objects.extend(d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d)
    return objects


def k8s_key_files(objects: list[dict[str, Any]]) -> tuple[dict[str, set[str]], list[str]]:
    """The key files each workload can read, and what is wrong with how they are mounted."""
    secret = next(
        (o for o in objects if o["kind"] == "Secret" and o["metadata"]["name"] == KEYS_SECRET), {}
    )
    secret_keys = set(secret.get("stringData", {})) | set(secret.get("data", {}))
    readable: dict[str, set[str]] = {}
    problems: list[str] = []
    for obj in objects:
        if obj["kind"] not in ("Deployment", "Job", "StatefulSet", "DaemonSet"):
            continue
        name, pod = obj["metadata"]["name"], obj["spec"]["template"]["spec"]
        files: dict[str, set[str]] = {}  # volume name -> file names it shows
        for volume in pod.get("volumes", []):
            if volume.get("secret", {}).get("secretName") != KEYS_SECRET:
                continue
            items = volume["secret"].get("items")
            files[volume["name"]] = {i["path"] for i in items} if items else set(secret_keys)
            for item in items or []:
                if item["key"] != item["path"] or item["key"] not in secret_keys:
                    problems.append(f"k8s {name}: item {item} is not a key of {KEYS_SECRET}")
        readable[name] = set()
        for container in pod.get("containers", []) + pod.get("initContainers", []):
            env = {e["name"]: e.get("value", "") for e in container.get("env", [])}
            for mount in container.get("volumeMounts", []):
                if mount["name"] not in files:
                    continue
                readable[name] |= files[mount["name"]]
                want = keys_path(name, env)
                if mount["mountPath"] != want:
                    problems.append(f"k8s {name}: keys are at {mount['mountPath']}, not {want}")
                if not mount.get("readOnly"):
                    problems.append(f"k8s {name}: keys are mounted writable")
    return readable, problems


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
def test_every_service_runs_in_compose_on_its_port_with_its_own_database(service: str) -> None:
    assert compose_problems(compose(), service, SERVICES) == []


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_has_a_kubernetes_deployment_and_service_with_grpc_probes(
    service: str,
) -> None:
    assert k8s_problems(k8s_objects(), service, SERVICES) == []


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_gets_a_database_from_the_postgres_init_script(service: str) -> None:
    assert service in init_script_databases()


def test_the_seed_job_seeds_every_service_that_has_a_seed_command() -> None:
    assert seed_problems(compose(), seeded_services()) == []


def test_compose_deploys_nothing_the_code_does_not_know() -> None:
    deployed = set(compose()["services"]) - {"postgres", "seed", "keys"}
    assert deployed <= set(DEFAULT_PORTS)


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


@pytest.fixture(scope="module")
def compose_key_volumes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, set[str]]:
    return run_compose_keys_job(compose(), tmp_path_factory.mktemp("compose-keys"))


def test_the_compose_keys_job_is_idempotent_and_keeps_the_keys_it_finds(tmp_path: Path) -> None:
    first = run_compose_keys_job(compose(), tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    assert run_compose_keys_job(compose(), tmp_path) == first
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_gets_exactly_the_consent_keys_it_needs_in_compose(
    service: str, compose_key_volumes: dict[str, set[str]]
) -> None:
    readable = compose_key_files(compose(), compose_key_volumes)
    assert wrong_keys(service, readable[service]) == []


def test_compose_mounts_keys_read_only_where_the_services_look_after_the_keys_job(
    compose_key_volumes: dict[str, set[str]],
) -> None:
    assert compose_key_mount_problems(compose(), compose_key_volumes) == []


@pytest.mark.parametrize("service", SERVICES)
def test_every_service_gets_exactly_the_consent_keys_it_needs_in_kubernetes(service: str) -> None:
    readable, problems = k8s_key_files(all_k8s_objects())
    assert problems == []
    assert wrong_keys(service, readable[service]) == []


def test_the_signing_key_reaches_the_orchestrator_only(
    compose_key_volumes: dict[str, set[str]],
) -> None:
    in_compose = compose_key_files(compose(), compose_key_volumes)
    in_k8s, _ = k8s_key_files(all_k8s_objects())
    assert {name for name, files in in_compose.items() if SIGNING in files} == {"orchestrator"}
    assert {name for name, files in in_k8s.items() if SIGNING in files} == {"orchestrator"}


def test_the_consent_keys_secret_is_an_unapplied_example_with_the_three_keys() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text(encoding="utf-8"))
    assert "consent-keys-secret.example.yaml" not in kustomization["resources"]
    secret = next(o for o in all_k8s_objects() if o["metadata"]["name"] == KEYS_SECRET)
    assert secret["kind"] == "Secret"
    assert set(secret["stringData"]) == {SIGNING, PUBLIC, SUBJECT}
    assert all(value.startswith("CHANGE-ME") for value in secret["stringData"].values())


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


# ---- the checks themselves notice a forgotten service ----------------------------------------


def test_a_service_missing_from_compose_is_reported() -> None:
    doc = compose()
    del doc["services"]["treasury"]
    assert compose_problems(doc, "treasury", SERVICES) == ["compose.yaml has no service 'treasury'"]


def test_an_orchestrator_target_on_the_wrong_port_is_reported() -> None:
    doc = compose()
    doc["services"]["orchestrator"]["environment"]["ELIG_TREASURY_TARGET"] = "treasury:1"
    problems = compose_problems(doc, "orchestrator", ["orchestrator", "treasury"])
    assert problems == ["orchestrator: ELIG_TREASURY_TARGET is 'treasury:1', not 'treasury:50051'"]


def test_a_service_missing_from_kubernetes_is_reported() -> None:
    objects = [o for o in k8s_objects() if o["metadata"]["name"] != "treasury"]
    assert k8s_problems(objects, "treasury", SERVICES) == [
        "k8s: no Deployment 'treasury'",
        "k8s: no Service 'treasury'",
    ]


def test_a_probe_on_the_wrong_port_is_reported() -> None:
    objects = k8s_objects()
    deployment = next(o for o in objects if o["kind"] == "Deployment")
    name = deployment["metadata"]["name"]
    deployment["spec"]["template"]["spec"]["containers"][0]["livenessProbe"]["grpc"]["port"] = 1
    problems = k8s_problems(objects, name, SERVICES)
    assert problems == [f"k8s {name}: livenessProbe is not a gRPC probe on {DEFAULT_PORTS[name]}"]


def test_a_signing_key_volume_mounted_into_an_agency_is_reported(
    compose_key_volumes: dict[str, set[str]],
) -> None:
    doc = compose()
    doc["services"]["treasury"]["volumes"] = ["consent-keys-orchestrator:/data/keys:ro"]
    readable = compose_key_files(doc, compose_key_volumes)
    assert wrong_keys("treasury", readable["treasury"]) == [
        f"treasury: gets ['{SIGNING}'], which it does not need"
    ]


def test_a_writable_compose_keys_mount_is_reported(
    compose_key_volumes: dict[str, set[str]],
) -> None:
    doc = compose()
    doc["services"]["ssa"]["volumes"] = ["app-data:/data", "consent-keys-ssa:/data/keys"]
    assert compose_key_mount_problems(doc, compose_key_volumes) == [
        "ssa: keys volume consent-keys-ssa is writable"
    ]


def test_a_kubernetes_keys_volume_without_items_is_reported_as_too_many_keys() -> None:
    objects = all_k8s_objects()
    ssa = next(o for o in objects if o["kind"] == "Deployment" and o["metadata"]["name"] == "ssa")
    volume = next(
        v for v in ssa["spec"]["template"]["spec"]["volumes"] if v["name"] == "consent-keys"
    )
    del volume["secret"]["items"]
    readable, _ = k8s_key_files(objects)
    assert wrong_keys("ssa", readable["ssa"]) == [
        f"ssa: gets {sorted({PUBLIC, SIGNING})}, which it does not need"
    ]


def test_a_missing_kubernetes_keys_mount_is_reported() -> None:
    objects = all_k8s_objects()
    for obj in objects:
        if obj["kind"] == "Deployment" and obj["metadata"]["name"] == "treasury":
            container = obj["spec"]["template"]["spec"]["containers"][0]
            container["volumeMounts"] = [
                m for m in container["volumeMounts"] if m["name"] != "consent-keys"
            ]
    readable, _ = k8s_key_files(objects)
    assert wrong_keys("treasury", readable["treasury"]) == [
        f"treasury: lacks {sorted({PUBLIC, SUBJECT})}"
    ]


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
async def usda(serve: Serve, clock: FixedClock) -> ServerHandle:  # noqa: F811
    return await serve(usda_bindings(usda_parameters(), clock))


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
