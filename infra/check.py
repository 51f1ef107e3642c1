#!/usr/bin/env python3
"""Checks the deployment files against what the nudge binary expects.

    python3 infra/check.py [REPO_ROOT]      (or `make check-infra`)

Reads infra/Dockerfile, .dockerignore, compose/ and k8s/; prints each check
and exits 1 listing every violation. Needs Python 3.11+ and PyYAML only; runs
`kubectl kustomize k8s/` too when kubectl is installed (it works offline).
"""

import ipaddress
import re
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import yaml

ROOT = Path(sys.argv[1] if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent)
SETTINGS_DIR = "crates/nudge-config/src"  # the settings structs, one file per section

# The servers: main port (HTTP for api and sms-router; gRPC plus HTTP/1.1
# health and metrics for agent and workers), and the port others call them on.
SERVERS = {
    "api": {"key": "API", "port": 8000, "url_port": 8000},
    "agent": {"key": "AGENT", "port": 8001, "url_port": 8001},
    "workers": {"key": "WORKERS", "port": 8002, "url_port": 8002},
    "sms-router": {"key": "SMS_ROUTER", "port": 8003, "url_port": 9003, "grpc_port": 9003},
}
PUBLIC = {"api": 8000, "sms-router": 8003}  # the only host ports of Nudge services
UID = "10001"
INFRA_SERVICES = ["postgres", "redis", "rabbitmq"]


def topology() -> dict[str, str]:
    """The non-secret keys every Nudge process needs, with their values."""
    env = {"NUDGE__MODE": "distributed"}
    for name, s in SERVERS.items():
        prefix = f"NUDGE__SERVICES__{s['key']}__"
        env |= {
            prefix + "HOST": "0.0.0.0",
            prefix + "PORT": str(s["port"]),
            prefix + "URL": f"http://{name}:{s['url_port']}",
        }
        if "grpc_port" in s:
            env[prefix + "GRPC_PORT"] = str(s["grpc_port"])
    return env


TOPOLOGY = topology()
BACKENDS = {
    "NUDGE__DATABASE__URL": ("postgres", "postgresql"),
    "NUDGE__QUEUE__URL": ("amqp", "amqps"),
    "NUDGE__CACHE__URL": ("redis", "rediss"),
}
# Checked by key; the active key's NUDGE__CRYPTO__KEYS__<ID> is checked too.
SECRETS = ["NUDGE__CRYPTO__ACTIVE_KEY", "NUDGE__TWILIO__ACCOUNT_SID", "NUDGE__TWILIO__AUTH_TOKEN"]
TWILIO_URLS = ["NUDGE__TWILIO__PUBLIC_BASE_URL", "NUDGE__TWILIO__API_BASE_URL"]


class Report:
    def __init__(self) -> None:
        self.passed = 0
        self.failures: list[str] = []

    def check(self, ok: bool, what: str, problem: str = "") -> bool:
        """Records one check: `what` is the invariant, `problem` what is wrong."""
        if ok:
            self.passed += 1
            print(f"  ok    {what}")
        else:
            self.failures.append(f"{what}: {problem}" if problem else what)
            print(f"  FAIL  {what}{': ' + problem if problem else ''}")
        return ok


R = Report()


def settings_source() -> str:
    """The settings crate's sources, where its structs and defaults are."""
    return "\n".join(read(str(path.relative_to(ROOT))) for path in sorted((ROOT / SETTINGS_DIR).glob("*.rs")))


def read(rel: str) -> str:
    path = ROOT / rel
    if not path.is_file():
        R.check(False, f"{rel} exists", "missing")
        return ""
    return path.read_text()


def known_keys() -> tuple[set[str], list[str]]:
    """Every NUDGE__ key the config accepts (it denies unknown ones), read from
    the settings structs; and the prefixes of map-valued settings."""
    source = settings_source()
    structs = {
        m[1]: re.findall(r"^\s*pub (\w+): ([^,\n]+),", m[2], re.M)
        for m in re.finditer(r"pub struct (\w+) \{(.*?)\n\}", source, re.S)
    }
    keys: set[str] = set()
    maps: list[str] = []

    def walk(struct: str, prefix: str) -> None:
        for field, ty in structs[struct]:
            key = f"{prefix}__{field.upper()}"
            if structs.get(ty.strip()):  # a section: a struct with public fields
                walk(ty.strip(), key)
            elif ty.startswith("HashMap"):
                maps.append(key + "__")
            else:
                keys.add(key)

    if R.check("Settings" in structs, f"settings structs read from {SETTINGS_DIR}/*.rs", "no `pub struct Settings`"):
        walk("Settings", "NUDGE")
    return keys, maps


KEYS: set[str] = set()
MAP_KEYS: list[str] = []


def known(key: str) -> bool:
    return key in KEYS or any(key.startswith(p) and len(key) > len(p) for p in MAP_KEYS)


def check_env(where: str, env: dict[str, str]) -> None:
    """The complete configuration of one Nudge process (all sources merged)."""
    unknown = sorted(k for k in env if k.startswith("NUDGE__") and not known(k))
    R.check(not unknown, f"{where}: every NUDGE__ key is a setting", f"unknown {unknown} (the config rejects them)")
    wrong = [f"{k}={env.get(k)!r} (want {v})" for k, v in TOPOLOGY.items() if env.get(k) != v]
    R.check(not wrong, f"{where}: distributed mode; every service's bind host 0.0.0.0, port and URL", "; ".join(wrong))
    wrong = [f"{k}={env.get(k)!r}" for k, schemes in BACKENDS.items() if urlsplit(env.get(k, "")).scheme not in schemes]
    R.check(not wrong, f"{where}: postgres, amqp and redis URLs", "; ".join(wrong))
    active = env.get("NUDGE__CRYPTO__ACTIVE_KEY", "")
    missing = [k for k in [*SECRETS, f"NUDGE__CRYPTO__KEYS__{active.upper()}"] if k not in env]
    missing += [k for k in TWILIO_URLS if urlsplit(env.get(k, "")).scheme not in ("http", "https")]
    R.check(not missing, f"{where}: crypto keys and Twilio settings", f"missing or invalid {missing}")
    # api sits behind a reverse proxy in both layouts: it must believe the
    # proxy's X-Forwarded-For, or every client shares one anonymous limit.
    proxies = re.sub(r"^\$\{[A-Z_]+:-(.*)\}$", r"\1", env.get("NUDGE__API__TRUSTED_PROXIES", ""))
    entries = [e.strip() for e in re.split(r"[, ]", proxies) if e.strip()]
    bad = []
    for entry in entries:
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            bad.append(entry)
    R.check(bool(entries) and not bad, f"{where}: NUDGE__API__TRUSTED_PROXIES names the proxy in front of api",
            f"missing or not addresses/CIDR blocks: {bad or proxies!r}")


def image_tag_ok(where: str, image: str) -> None:
    image = re.sub(r"\$\{\w+:?-([^}]*)\}", r"\1", image)  # ${VAR:-default} -> default
    tag = image.rsplit("/", 1)[-1].partition(":")[2]
    R.check(bool(tag) and tag != "latest", f"{where}: image {image} has a pinned tag", "no tag or `latest`")


# --- Dockerfile -------------------------------------------------------------


def check_dockerfile() -> None:
    print("infra/Dockerfile")
    lines = [line.strip() for line in read("infra/Dockerfile").replace("\\\n", " ").splitlines()]
    instructions = [line.split(None, 1) for line in lines if line and not line.startswith("#")]
    stages = [i for i, (op, *_) in enumerate(instructions) if op.upper() == "FROM"]
    R.check(len(stages) >= 2, "multi-stage build (>= 2 FROM)", f"{len(stages)} FROM")
    names = set()
    for i in stages:
        words = instructions[i][1].split()
        if words[0] not in names:
            image_tag_ok("FROM", words[0])
        if len(words) == 3 and words[1].upper() == "AS":
            names.add(words[2])
    final = {op.upper(): rest for op, *rest in instructions[stages[-1] :] if rest} if stages else {}
    user = final.get("USER", [""])[0]
    R.check(
        bool(user) and user.split(":")[0] not in ("root", "0"), "final stage runs as a non-root USER", f"USER {user!r}"
    )
    R.check(user == f"{UID}:{UID}", f"final stage USER is {UID}:{UID} (compose and k8s use it)", f"USER {user!r}")
    R.check(
        final.get("ENTRYPOINT", [""])[0] == '["/usr/local/bin/nudge"]',
        "ENTRYPOINT is the nudge binary",
        f"ENTRYPOINT {final.get('ENTRYPOINT')}",
    )
    R.check(final.get("STOPSIGNAL", [""])[0] == "SIGTERM", "STOPSIGNAL SIGTERM")
    exposed = set(
        " ".join(rest[0] for op, *rest in instructions[stages[-1] :] if op.upper() == "EXPOSE" and rest).split()
    )
    wanted = {str(s[k]) for s in SERVERS.values() for k in ("port", "url_port")}
    R.check(wanted <= exposed, "EXPOSE lists every service port", f"missing {sorted(wanted - exposed)}")
    ignored = {
        line.strip().strip("/")
        for line in read(".dockerignore").splitlines()
        if line.strip() and not line.startswith("#")
    }
    R.check({"target", ".git"} <= ignored, ".dockerignore excludes target and .git")
    needed = {"Cargo.toml", "Cargo.lock", "crates", "services", "proto"} & ignored
    R.check(not needed, ".dockerignore keeps the workspace sources", f"excludes {sorted(needed)}")


# --- compose ----------------------------------------------------------------


def env_file_keys(text: str, *, commented: bool) -> dict[str, str]:
    pattern = r"^#?\s*(\w+)=(.*)$" if commented else r"^(\w+)=(.*)$"
    return {m[1]: m[2].strip() for m in re.finditer(pattern, text, re.M)}


def published(ports: list) -> list[tuple[str, str, str]]:
    """(host_ip, published, target) of each port mapping."""
    result = []
    for port in ports or []:
        if isinstance(port, dict):
            result.append((str(port.get("host_ip", "")), str(port.get("published", "")), str(port["target"])))
        else:
            parts = str(port).split(":")
            parts = [""] * (3 - len(parts)) + parts
            result.append((parts[0], parts[1], parts[2]))
    return result


def seconds(duration: str) -> int:
    units = {"h": 3600, "m": 60, "s": 1}
    return sum(int(n) * units[u] for n, u in re.findall(r"(\d+)([hms])", str(duration)))


def shutdown_grace() -> int:
    m = re.search(r"shutdown_grace_seconds:\s*(\d+)", settings_source())
    return int(m[1]) if m else 25


def check_compose() -> None:
    print("compose/compose.yaml")
    compose = yaml.safe_load(read("compose/compose.yaml")) or {}
    services = compose.get("services", {})
    R.check("version" not in compose, "no obsolete `version:` key")
    example_text = read("compose/.env.example")
    example = env_file_keys(example_text, commented=False)
    local = env_file_keys(example_text, commented=True)
    nudge = {name: s for name, s in services.items() if "NUDGE_IMAGE" in str(s.get("image", ""))}
    R.check(
        set(nudge) == {"migrate", "fake-twilio", *SERVERS},
        "the nudge image runs migrate, fake-twilio and the four servers",
        f"found {sorted(nudge)}",
    )
    shadowed = sorted(set(example) & set(compose.get("x-nudge-env", {})))
    R.check(not shadowed, ".env.example sets no key of x-nudge-env (environment: would win)", f"{shadowed}")
    R.check(".env" in read("compose/.gitignore").split(), "compose/.gitignore keeps the filled-in .env out of git")
    for key in ["NUDGE__CRYPTO__KEYS__K1", "NUDGE__TWILIO__AUTH_TOKEN", "POSTGRES_PASSWORD", "RABBITMQ_PASSWORD"]:
        R.check(
            example.get(key) == "", f".env.example leaves {key} empty (no secret in git)", f"is {example.get(key)!r}"
        )

    for name, service in sorted(nudge.items()):
        where = f"compose {name}"
        env_files = service.get("env_file", [])
        env_files = [env_files] if isinstance(env_files, (str, dict)) else env_files
        R.check(
            ".env" in [f["path"] if isinstance(f, dict) else f for f in env_files], f"{where}: env_file .env (secrets)"
        )
        environment = service.get("environment", {})
        check_env(where, example | {k: str(v) for k, v in environment.items()})
        user = str(service.get("user", ""))
        R.check(user == f"{UID}:{UID}", f"{where}: runs as {UID}:{UID}", f"user {user!r}")
        R.check(service.get("read_only") is True, f"{where}: read-only root file system")
        R.check(service.get("cap_drop") == ["ALL"], f"{where}: cap_drop [ALL]")
        R.check("no-new-privileges:true" in service.get("security_opt", []), f"{where}: no-new-privileges")

    for name, s in SERVERS.items():
        service, where = services.get(name, {}), f"compose {name}"
        R.check(
            service.get("command") == ["serve", name], f"{where}: command serve {name}", f"{service.get('command')}"
        )
        probe = ["CMD", "/usr/local/bin/nudge", "probe", f"http://127.0.0.1:{s['port']}/readyz"]
        R.check(
            service.get("healthcheck", {}).get("test") == probe,
            f"{where}: healthcheck probes /readyz on {s['port']}",
            f"{service.get('healthcheck', {}).get('test')}",
        )
        depends = service.get("depends_on", {})
        R.check(
            depends.get("migrate", {}).get("condition") == "service_completed_successfully",
            f"{where}: waits for migrate to complete",
        )
        R.check(
            all(depends.get(d, {}).get("condition") == "service_healthy" for d in INFRA_SERVICES),
            f"{where}: waits for {', '.join(INFRA_SERVICES)} healthy",
        )
        R.check(
            seconds(service.get("stop_grace_period", "10s")) > shutdown_grace(),
            f"{where}: stop_grace_period exceeds the {shutdown_grace()} s shutdown grace",
            f"{service.get('stop_grace_period')}",
        )
        R.check(service.get("restart") == "unless-stopped", f"{where}: restart unless-stopped")

    migrate = services.get("migrate", {})
    R.check(migrate.get("command") == ["migrate"], "compose migrate: command migrate")
    R.check(migrate.get("restart") == "no", 'compose migrate: runs once (restart "no")')
    R.check(
        migrate.get("depends_on", {}).get("postgres", {}).get("condition") == "service_healthy",
        "compose migrate: waits for postgres healthy",
    )
    fake = services.get("fake-twilio", {})
    listen = (fake.get("command") or [""])[-1]
    R.check(fake.get("profiles") == ["local"], "compose fake-twilio: only in the local profile")
    R.check(listen.startswith("0.0.0.0:"), "compose fake-twilio: listens on 0.0.0.0", listen)
    api_base = local.get("NUDGE__TWILIO__API_BASE_URL", "")
    R.check(
        api_base == f"http://fake-twilio:{listen.rpartition(':')[2]}",
        ".env.example's local NUDGE__TWILIO__API_BASE_URL points at fake-twilio",
        api_base,
    )

    for name, service in sorted(services.items()):
        where = f"compose {name}"
        image_tag_ok(where, str(service.get("image", "")))
        ports = published(service.get("ports"))
        if name in PUBLIC:
            R.check(
                [(p, t) for _, p, t in ports] == [(str(PUBLIC[name]),) * 2],
                f"{where}: publishes {PUBLIC[name]} only",
                f"{ports}",
            )
        elif name in SERVERS or name in INFRA_SERVICES or name == "migrate":
            R.check(not ports, f"{where}: publishes no host port", f"{ports}")
        else:
            R.check(all(ip == "127.0.0.1" for ip, _, _ in ports), f"{where}: publishes on loopback only", f"{ports}")
        for dep, spec in (service.get("depends_on") or {}).items():
            R.check(dep in services, f"{where}: depends on existing service {dep}")
            if isinstance(spec, dict) and spec.get("condition") == "service_healthy":
                R.check("healthcheck" in services.get(dep, {}), f"{where}: {dep} has the healthcheck it waits for")

    prometheus = yaml.safe_load(read("compose/prometheus.yml")) or {}
    targets = {
        (n, sd.get("port"))
        for job in prometheus.get("scrape_configs", [])
        for sd in job.get("dns_sd_configs", [])
        for n in sd.get("names", [])
    }
    R.check(
        targets == {(n, s["port"]) for n, s in SERVERS.items()},
        "prometheus.yml scrapes every server's port",
        f"{sorted(targets)}",
    )


# --- Kubernetes -------------------------------------------------------------


def port_number(container: dict, port) -> int | None:
    """A container port given by number or name."""
    for p in container.get("ports", []):
        if port in (p["containerPort"], p.get("name")):
            return p["containerPort"]
    return None


def check_pod(where: str, pod: dict, config: dict[str, str], secret: dict[str, str]) -> dict:
    security = pod.get("securityContext", {})
    R.check(security.get("runAsNonRoot") is True, f"{where}: runAsNonRoot")
    R.check(str(security.get("runAsUser")) == UID, f"{where}: runAsUser {UID}", f"{security.get('runAsUser')}")
    R.check(pod.get("automountServiceAccountToken") is False, f"{where}: no service account token")
    containers = pod.get("containers", [])
    R.check(len(containers) == 1, f"{where}: one container")
    container = containers[0] if containers else {}
    image_tag_ok(where, container.get("image", ""))
    sc = container.get("securityContext", {})
    R.check(
        sc.get("allowPrivilegeEscalation") is False
        and sc.get("readOnlyRootFilesystem") is True
        and sc.get("capabilities", {}).get("drop") == ["ALL"],
        f"{where}: no privilege escalation, read-only root, capabilities drop ALL",
    )
    resources = container.get("resources", {})
    R.check(
        all(resources.get(k, {}).get(r) for k in ("requests", "limits") for r in ("cpu", "memory")),
        f"{where}: cpu and memory requests and limits",
    )
    sources = container.get("envFrom", [])
    refs = {
        ("configMap", s["configMapRef"]["name"])
        if "configMapRef" in s
        else ("secret", s.get("secretRef", {}).get("name"))
        for s in sources
    }
    R.check(
        refs == {("configMap", "nudge-config"), ("secret", "nudge-secrets")},
        f"{where}: env from ConfigMap nudge-config and Secret nudge-secrets",
        f"{sorted(refs)}",
    )
    check_env(where, config | secret | {e["name"]: str(e.get("value", "")) for e in container.get("env", [])})
    return container


def check_k8s() -> None:
    print("k8s/")
    docs: dict[tuple[str, str], dict] = {}
    files = sorted((ROOT / "k8s").glob("*.yaml"))
    for path in files:
        for doc in yaml.safe_load_all(path.read_text()):
            if doc:
                docs[(doc["kind"], doc.get("metadata", {}).get("name", ""))] = doc | {"_file": path.name}
    kustomization = docs.get(("Kustomization", ""), {})
    resources = set(kustomization.get("resources", []))
    expected = {p.name for p in files} - {"kustomization.yaml", "secret.example.yaml"}
    R.check(
        resources == expected,
        "kustomization.yaml lists every manifest but the Secret example",
        f"missing {sorted(expected - resources)}, extra {sorted(resources - expected)}",
    )
    for image in kustomization.get("images", []):
        R.check(str(image.get("newTag", "")) not in ("", "latest"), f"kustomization: {image['name']} has a pinned tag")
    config = {k: str(v) for k, v in docs.get(("ConfigMap", "nudge-config"), {}).get("data", {}).items()}
    secret = {k: str(v) for k, v in docs.get(("Secret", "nudge-secrets"), {}).get("stringData", {}).items()}
    R.check(bool(config), "ConfigMap nudge-config exists")
    R.check(bool(secret), "Secret nudge-secrets (example) exists")
    secret_keys = set(BACKENDS) | set(SECRETS) | {k for k in secret if k.startswith("NUDGE__CRYPTO__KEYS__")}
    R.check(
        secret_keys <= set(secret),
        "the Secret holds the URLs with credentials, the keys and the Twilio token",
        f"missing {sorted(secret_keys - set(secret))}",
    )
    R.check(not (secret_keys & set(config)), "the ConfigMap holds no secret", f"{sorted(secret_keys & set(config))}")
    namespace = kustomization.get("namespace")
    R.check(("Namespace", namespace) in docs, f"kustomization namespace {namespace} is declared")
    R.check(
        docs.get(("Secret", "nudge-secrets"), {}).get("metadata", {}).get("namespace") == namespace,
        f"the Secret example is in namespace {namespace}",
    )

    for name, s in SERVERS.items():
        deployment = docs.get(("Deployment", name))
        service = docs.get(("Service", name))
        where = f"k8s Deployment {name}"
        if not R.check(bool(deployment and service), f"k8s: Deployment and Service {name} exist"):
            continue
        pod = deployment["spec"]["template"]["spec"]
        container = check_pod(where, pod, config, secret)
        R.check(container.get("args") == ["serve", name], f"{where}: args serve {name}", f"{container.get('args')}")
        R.check(
            pod.get("terminationGracePeriodSeconds", 30) > shutdown_grace(),
            f"{where}: terminationGracePeriodSeconds exceeds the {shutdown_grace()} s shutdown grace",
        )
        for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
            get = container.get(probe, {}).get("httpGet", {})
            R.check(
                get.get("path") == path and port_number(container, get.get("port")) == s["port"],
                f"{where}: {probe} GET {path} on {s['port']}",
                f"{get}",
            )
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        selector = service["spec"].get("selector", {})
        R.check(bool(selector) and selector.items() <= labels.items(), f"k8s Service {name}: selects the pods")
        R.check(
            selector == deployment["spec"]["selector"]["matchLabels"],
            f"k8s Service {name}: same selector as the Deployment",
        )
        R.check(service["spec"].get("type", "ClusterIP") == "ClusterIP", f"k8s Service {name}: ClusterIP")
        for port in service["spec"]["ports"]:
            target = port_number(container, port.get("targetPort", port["port"]))
            R.check(
                target == port["port"],
                f"k8s Service {name}: port {port['port']} targets that container port",
                f"{target}",
            )
        ports = {p["port"] for p in service["spec"]["ports"]}
        R.check(
            {s["port"], s["url_port"]} <= ports,
            f"k8s Service {name}: serves {sorted({s['port'], s['url_port']})}",
            f"{sorted(ports)}",
        )

    job = docs.get(("Job", "nudge-migrate"))
    if R.check(bool(job), "k8s: Job nudge-migrate exists"):
        pod = job["spec"]["template"]["spec"]
        container = check_pod("k8s Job nudge-migrate", pod, config, secret)
        R.check(container.get("args") == ["migrate"], "k8s Job nudge-migrate: args migrate")
        R.check(pod.get("restartPolicy") == "Never", "k8s Job nudge-migrate: restartPolicy Never")

    public = urlsplit(config.get("NUDGE__TWILIO__PUBLIC_BASE_URL", ""))
    R.check(public.scheme == "https", "NUDGE__TWILIO__PUBLIC_BASE_URL is https")
    for (kind, name), ingress in docs.items():
        if kind != "Ingress":
            continue
        webhooks = set()
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                service = docs.get(("Service", backend["name"]), {})
                names = {p.get("name") for p in service.get("spec", {}).get("ports", [])} | {
                    p["port"] for p in service.get("spec", {}).get("ports", [])
                }
                port = backend["port"].get("name", backend["port"].get("number"))
                R.check(
                    port in names,
                    f"k8s Ingress {name}: {rule.get('host')}{path['path']} -> existing {backend['name']}:{port}",
                )
                R.check(
                    backend["name"] in PUBLIC and port in ("http", PUBLIC.get(backend["name"])),
                    f"k8s Ingress {name}: {path['path']} reaches a public port only",
                )
                if backend["name"] == "sms-router":
                    webhooks.add((rule.get("host"), path["path"]))
        R.check(
            {(public.hostname, "/twilio/sms"), (public.hostname, "/twilio/status")} <= webhooks,
            f"k8s Ingress {name}: Twilio's webhooks on the host of NUDGE__TWILIO__PUBLIC_BASE_URL",
            f"{sorted(webhooks)}",
        )

    if shutil.which("kubectl"):
        run = subprocess.run(["kubectl", "kustomize", str(ROOT / "k8s")], capture_output=True, text=True)
        R.check(run.returncode == 0, "kubectl kustomize k8s/ renders", run.stderr.strip())
        if run.returncode == 0:
            rendered = [d for d in yaml.safe_load_all(run.stdout) if d]
            stray = [
                d["metadata"]["name"]
                for d in rendered
                if d["kind"] != "Namespace" and d["metadata"].get("namespace") != namespace
            ]
            R.check(not stray, f"kubectl kustomize: everything in namespace {namespace}", f"{stray}")
    else:
        print("  skip  kubectl kustomize k8s/ (kubectl not installed)")


def main() -> int:
    print(f"checking the deployment files in {ROOT}")
    keys, maps = known_keys()
    KEYS.update(keys)
    MAP_KEYS.extend(maps)
    check_dockerfile()
    check_compose()
    check_k8s()
    if R.failures:
        print(f"\n{len(R.failures)} problem(s), {R.passed} checks passed:", file=sys.stderr)
        for failure in R.failures:
            print(f"  - {failure}", file=sys.stderr)
        return 1
    print(f"\nall {R.passed} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
