"""Start and stop a local OpenSearch 2.19 cluster for tests and development, one JVM per node.

    scripts/opensearch-cluster start --nodes N --dir DIR --http-port P [--transport-port T]
    scripts/opensearch-cluster start-node --dir DIR --node I
    scripts/opensearch-cluster stop --dir DIR
    scripts/opensearch-cluster status --dir DIR
    scripts/opensearch-cluster build

`start` builds the node program (opensearch/launcher, with Maven; rebuilt only when its sources
change), starts N nodes bound to 127.0.0.1 with HTTP on P, P+1, ... and transport on T, T+1, ...
(T defaults to P+100), waits until the cluster is green and prints one node URL per line.
DIR keeps the cluster's settings (cluster.json), each node's home and data (node-<i>/), its log
(node-<i>.log) and the process id of its JVM (node-<i>.pid), so that a test can SIGKILL one node
and `start-node` can bring it back with the same settings and data. `stop` sends SIGTERM to every
node, then SIGKILL to those still running after --timeout seconds, and removes the pid files.

Only the standard library is used, so that CI and a fresh clone can run it before any install.
Exit codes: 0 done, 1 failed (the reason on stderr), 2 wrong command line.
"""

from __future__ import annotations

import argparse
import contextlib
import fcntl
import hashlib
import http.client
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LAUNCHER = ROOT / "opensearch" / "launcher"
JAR_NAME = "opensearch-launcher.jar"
JAR = LAUNCHER / "target" / JAR_NAME
BUILD_STAMP = LAUNCHER / "target" / "medsearch-build.sha256"
# A class data sharing archive of the classes a node loads, made once per build: a node starts
# in about half the time (its classes are mapped, not parsed and verified again), and the
# nodes of one machine share those pages. A JVM that cannot use it ignores it, with a warning.
CLASS_ARCHIVE = LAUNCHER / "target" / "opensearch-launcher.jsa"
CONFIG_NAME = "cluster.json"
HOST = "127.0.0.1"  # every node binds to loopback only: this is a test cluster, never exposed

# OpenSearch 2.19 supports Java 11 to 23 (its distribution bundles 23). Newer ones are refused
# rather than risked: Java 24 disabled the security manager that 2.x is built around.
JAVA_VERSIONS = range(11, 24)
DEFAULT_JAVA_OPTIONS = (
    # Three nodes and the tests share 2 cores and a few GB on CI: a small heap is plenty for
    # test corpora. OPENSEARCH_JAVA_OPTS (appended after these, so it wins) changes it.
    "-Xms256m",
    "-Xmx512m",
    # A node out of memory is gone for good rather than half-working: Bootstrap, which would
    # otherwise exit on OutOfMemoryError, is not used by the launcher.
    "-XX:+ExitOnOutOfMemoryError",
    # As OpenSearch's own jvm.options: JDK 9+ date formats (COMPAT), log4j without JMX, and
    # log4j's shutdown hook off so that the node's own hook can still log while it closes.
    "-Djava.locale.providers=SPI,COMPAT",
    "-Dlog4j2.disable.jmx=true",
    "-Dlog4j.shutdownHookEnabled=false",
    "-Dfile.encoding=UTF-8",
)
START_TIMEOUT_S = 180.0
STOP_TIMEOUT_S = 30.0
KILL_TIMEOUT_S = 10.0
POLL_INTERVAL_S = 0.5
LOG_TAIL_LINES = 25
LOG_ERROR_LINES = 8
LOG_MARKER = "=== opensearch-cluster: starting node-"
# An exception's first line, a "Caused by:" or a log line at ERROR: what a failed start says.
ERROR_LINE = re.compile(
    r"^(Exception in thread|Caused by: |[\w.$]+(Exception|Error)\b|\[[^]]*\]\[ERROR)"
)


class ClusterError(Exception):
    """A failure the user can act on; main() prints its message and exits 1."""


@dataclass(frozen=True)
class ClusterConfig:
    """What DIR/cluster.json records so that a node can be restarted with the same settings."""

    nodes: int
    http_port: int
    transport_port: int
    cluster_name: str
    java_options: list[str]

    def http_url(self, node: int) -> str:
        """The HTTP URL of node `node`."""
        return f"http://{HOST}:{self.http_port + node}"


# --- building the node program -------------------------------------------------------------


def source_digest(java: str) -> str:
    """A SHA-256 over the launcher's sources and the JDK: the build is redone when it changes."""
    digest = hashlib.sha256()
    # The class archive belongs to one JDK build: a JDK update (or another JAVA_HOME) redoes it.
    digest.update(java_version_text(java).encode())
    files = [LAUNCHER / "pom.xml", *sorted(p for p in (LAUNCHER / "src").rglob("*") if p.is_file())]
    for path in files:
        digest.update(str(path.relative_to(LAUNCHER)).encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    return digest.hexdigest()


def find_maven() -> str:
    """The `mvn` command's path, or a ClusterError saying how to install Maven."""
    mvn = shutil.which("mvn")
    if mvn is None:
        raise ClusterError(
            "Maven (mvn) is not on PATH; it builds the OpenSearch node program: "
            "install it (Debian: apt-get install maven)"
        )
    return mvn


def build() -> Path:
    """Build opensearch/launcher with Maven unless the jar is up to date; return the jar."""
    java = find_java()  # fail before a long build if the nodes could not run anyway
    target = LAUNCHER / "target"
    target.mkdir(exist_ok=True)
    # Two starts at once (parallel test runs) must not run Maven on the same folder together.
    with open(target / ".build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        digest = source_digest(java)
        if JAR.exists() and BUILD_STAMP.exists() and BUILD_STAMP.read_text().strip() == digest:
            return JAR
        mvn = find_maven()
        print("opensearch-cluster: building opensearch/launcher with Maven", file=sys.stderr)
        # copy-dependencies adds to target/lib and never removes a jar whose version changed.
        shutil.rmtree(target / "lib", ignore_errors=True)
        BUILD_STAMP.unlink(missing_ok=True)
        CLASS_ARCHIVE.unlink(missing_ok=True)
        command = [mvn, "-q", "-B", "-Dstyle.color=never", "package"]
        # Offline first, so that a machine that built once needs no network again; online only
        # when something is missing from the local Maven repository (the first build).
        result = _run_maven([*command[:1], "-o", *command[1:]])
        if result.returncode != 0:
            result = _run_maven(command)
        if result.returncode != 0 or not JAR.exists():
            raise ClusterError(
                f"Maven could not build {LAUNCHER} (exit {result.returncode}):\n"
                + _tail(result.stdout)
            )
        make_class_archive(java)
        BUILD_STAMP.write_text(digest + "\n")
        return JAR


def make_class_archive(java: str) -> None:
    """Write CLASS_ARCHIVE from one node started, used and stopped; on failure, go on without."""
    print("opensearch-cluster: recording the classes a node loads (once)", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="opensearch-cluster-") as folder:
        directory = Path(folder)
        ports = [_ephemeral_port(), _ephemeral_port()]
        config = ClusterConfig(
            1, ports[0], ports[1], "medsearch-class-archive", list(DEFAULT_JAVA_OPTIONS)
        )
        partial = directory / "archive.jsa"
        command = node_command(java, JAR, config, directory, 0, class_archive=None)
        # The JVM writes the archive when it exits (SIGTERM included, SIGKILL not).
        command.insert(1, f"-XX:ArchiveClassesAtExit={partial}")
        for sub in ("data", "logs", "tmp"):
            (node_home(directory, 0) / sub).mkdir(parents=True, exist_ok=True)
        with open(log_path(directory, 0), "wb") as log:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
        try:
            wait_for_health(
                config, directory, {0: process}, nodes=1, status="green", timeout=START_TIMEOUT_S
            )
            _exercise(config.http_port)
            process.terminate()
            process.wait(90)
        except (
            ClusterError,
            OSError,
            http.client.HTTPException,
            subprocess.TimeoutExpired,
        ) as error:
            print(
                f"opensearch-cluster: no class archive, nodes start slower: {error}",
                file=sys.stderr,
            )
            return
        finally:
            if process.poll() is None:  # failed, or interrupted: never leave the JVM behind
                process.kill()
                process.wait()
        if partial.exists():
            with contextlib.suppress(OSError):
                shutil.move(partial, CLASS_ARCHIVE)


def _exercise(port: int) -> None:
    """Use a node the way tests do, so that the classes of indexing and searching are recorded."""
    mapping = {
        "settings": {"number_of_shards": 1, "number_of_replicas": 0},
        "mappings": {
            "properties": {
                "body": {"type": "text", "analyzer": "english"},
                "title": {"type": "search_as_you_type"},
                "tags": {"type": "keyword"},
                "date": {"type": "date"},
            }
        },
    }
    call_json(port, "PUT", "/archive?wait_for_active_shards=all", mapping)
    document = {
        "body": "Headaches",
        "title": "Cluster headache",
        "tags": ["a"],
        "date": "2020-01-02",
    }
    call_json(port, "PUT", "/archive/_doc/1?refresh=true", document)
    query = {
        "query": {"multi_match": {"query": "headache", "fields": ["body", "title"]}},
        "highlight": {"fields": {"body": {}}},
        "aggs": {"tags": {"terms": {"field": "tags"}}},
    }
    call_json(port, "POST", "/archive/_search", query)
    call_json(port, "DELETE", "/archive", None)


def _ephemeral_port() -> int:
    """A port free on loopback now, chosen by the kernel."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        port: int = probe.getsockname()[1]
        return port


def _run_maven(command: list[str]) -> subprocess.CompletedProcess[str]:
    """Run Maven in the launcher's folder, its output captured for the error message."""
    try:
        return subprocess.run(
            command,
            cwd=LAUNCHER,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=900,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise ClusterError(f"Maven did not finish building {LAUNCHER} in 900 s") from error


def find_java() -> str:
    """The `java` to run nodes with ($JAVA_HOME's, else PATH's), checked to be Java 11 to 23."""
    java_home = os.environ.get("JAVA_HOME")
    java = str(Path(java_home) / "bin" / "java") if java_home else shutil.which("java")
    if java is None or not Path(java).exists():
        where = f"JAVA_HOME={java_home} has no bin/java" if java_home else "java is not on PATH"
        raise ClusterError(
            f"{where}; OpenSearch 2.19 needs Java 17 or 21 (Debian: apt-get install "
            "openjdk-17-jdk-headless)"
        )
    major = java_major_version(java)
    if major not in JAVA_VERSIONS:
        raise ClusterError(
            f"{java} is Java {major}; OpenSearch 2.19 runs on Java 11 to 23: set JAVA_HOME to "
            "a Java 17 or 21 JDK (such as /usr/lib/jvm/java-17-openjdk-amd64)"
        )
    return java


def java_version_text(java: str) -> str:
    """What `java -version` prints (its vendor, version and build)."""
    result = subprocess.run(
        [java, "-version"], capture_output=True, text=True, timeout=60, check=False
    )
    return result.stderr.strip()


def java_major_version(java: str) -> int:
    """The feature release of a `java` command: 17 for "17.0.15", 8 for "1.8.0_402"."""
    text = java_version_text(java)
    match = re.search(r'version "(\d+)(?:\.(\d+))?', text)
    if match is None:
        raise ClusterError(f"cannot tell the version of {java}: {text!r}")
    major = int(match.group(1))
    return int(match.group(2) or 0) if major == 1 else major


# --- node processes ------------------------------------------------------------------------


def node_home(directory: Path, node: int) -> Path:
    """Node `node`'s home folder (its data, logs and temporary files) below DIR."""
    return directory / f"node-{node}"


def pid_path(directory: Path, node: int) -> Path:
    """DIR/node-<i>.pid: the process id of node i's JVM while it runs."""
    return directory / f"node-{node}.pid"


def log_path(directory: Path, node: int) -> Path:
    """DIR/node-<i>.log: everything node i's JVM printed, restarts appended."""
    return directory / f"node-{node}.log"


def node_settings(config: ClusterConfig, directory: Path, node: int) -> dict[str, str]:
    """The OpenSearch settings of node `node` of the cluster `config` describes."""
    home = node_home(directory, node)
    settings = {
        "cluster.name": config.cluster_name,
        "node.name": f"node-{node}",
        "path.home": str(home),
        # One data path per node: two nodes sharing one would lock each other out.
        "path.data": str(home / "data"),
        "path.logs": str(home / "logs"),
        "network.host": HOST,
        "http.port": str(config.http_port + node),
        "transport.port": str(config.transport_port + node),
        # Test machines have full disks and busy heaps that mean nothing here: without these,
        # shards stop being allocated past 85% disk use, and requests are refused when the
        # JVM's heap looks full before a garbage collection.
        "cluster.routing.allocation.disk.threshold_enabled": "false",
        "indices.breaker.total.use_real_memory": "false",
    }
    if config.nodes == 1:
        settings["discovery.type"] = "single-node"
    else:
        # Every node knows every other and all are cluster-manager-eligible, so that the first
        # start forms one cluster as soon as a majority has started, never two.
        settings["discovery.seed_hosts"] = ",".join(
            f"{HOST}:{config.transport_port + i}" for i in range(config.nodes)
        )
        settings["cluster.initial_cluster_manager_nodes"] = ",".join(
            f"node-{i}" for i in range(config.nodes)
        )
    return settings


def node_command(
    java: str,
    jar: Path,
    config: ClusterConfig,
    directory: Path,
    node: int,
    class_archive: Path | None = CLASS_ARCHIVE,
) -> list[str]:
    """The command line of node `node`'s JVM."""
    tmp = node_home(directory, node) / "tmp"
    settings = node_settings(config, directory, node)
    sharing = (
        [f"-XX:SharedArchiveFile={class_archive}"]
        if class_archive and class_archive.exists()
        else []
    )
    return [
        java,
        *config.java_options,
        *sharing,
        f"-Djava.io.tmpdir={tmp}",
        "-jar",
        str(jar),
        *(f"-E{key}={value}" for key, value in settings.items()),
    ]


def running_pid(directory: Path, node: int) -> int | None:
    """The pid of node `node`'s JVM if its pid file names a live JVM of this node, else None."""
    try:
        pid = int(pid_path(directory, node).read_text().strip())
    except (FileNotFoundError, ValueError):
        return None
    return pid if _is_node_process(pid, node_home(directory, node)) else None


def _is_node_process(pid: int, home: Path) -> bool:
    """Whether `pid` is alive and is the JVM of the node whose home is `home`."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # alive but someone else's: the command line check below decides
    cmdline = Path(f"/proc/{pid}/cmdline")
    if not cmdline.parent.exists():
        return True  # no /proc (not Linux): trust the pid file
    try:
        arguments = cmdline.read_bytes().split(b"\0")
    except OSError:
        return False
    # A pid reused by another program, or a killed JVM not yet reaped (a zombie's command
    # line is empty), is not a running node.
    return f"-Epath.home={home}".encode() in arguments


def spawn_node(
    java: str, jar: Path, config: ClusterConfig, directory: Path, node: int
) -> subprocess.Popen[bytes]:
    """Start node `node`'s JVM in its own session, logging to DIR/node-<i>.log; write its pid."""
    home = node_home(directory, node)
    for sub in ("data", "logs", "tmp"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    command = node_command(java, jar, config, directory, node)
    with open(log_path(directory, node), "ab") as log:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
        log.write(f"{LOG_MARKER}{node} at {stamp} ===\n".encode())
        log.flush()
        # Its own session: Ctrl-C in the terminal that started it does not reach the node, and
        # the node outlives this script. Its output goes to the log, never to our stdout, or a
        # caller reading our output would wait for the JVM to close it.
        process = subprocess.Popen(
            command,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=home,
            start_new_session=True,
        )
    pid_file = pid_path(directory, node)
    temporary = pid_file.with_suffix(".pid.tmp")
    temporary.write_text(f"{process.pid}\n")
    temporary.replace(pid_file)
    return process


def stop_started(directory: Path, started: dict[int, subprocess.Popen[bytes]]) -> None:
    """Stop JVMs this run started (a start that failed): SIGTERM, then SIGKILL; unlink pid files."""
    # Through the Popen objects, not the pid files: a JVM that has just been forked may not
    # show its java command line in /proc yet, and waiting on our own child reaps it.
    for process in started.values():
        if process.poll() is None:
            process.terminate()
    for process in started.values():
        try:
            process.wait(KILL_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(KILL_TIMEOUT_S)
    for node in started:
        pid_path(directory, node).unlink(missing_ok=True)


def stop_nodes(directory: Path, nodes: Sequence[int], timeout: float) -> list[str]:
    """SIGTERM the given nodes, SIGKILL those left after `timeout` s; remove their pid files."""
    running = {node: pid for node in nodes if (pid := running_pid(directory, node)) is not None}
    for pid in running.values():
        _signal(pid, signal.SIGTERM)
    left = _wait_gone(directory, running, timeout)
    for pid in left.values():
        _signal(pid, signal.SIGKILL)
    still = _wait_gone(directory, left, KILL_TIMEOUT_S)
    if still:
        names = ", ".join(f"node-{node} (pid {pid})" for node, pid in still.items())
        raise ClusterError(f"{names} still running after SIGKILL")
    for node in nodes:
        pid_path(directory, node).unlink(missing_ok=True)
    return [
        f"node-{node} (pid {pid}) " + ("killed" if node in left else "stopped")
        for node, pid in running.items()
    ]


def _signal(pid: int, signum: signal.Signals) -> None:
    """Send a signal, ignoring a process that ended meanwhile."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signum)


def _wait_gone(directory: Path, running: dict[int, int], timeout: float) -> dict[int, int]:
    """Wait up to `timeout` s for the given node JVMs to end; return those still running."""
    deadline = time.monotonic() + timeout
    left = dict(running)
    while left:
        left = {node: pid for node, pid in left.items() if running_pid(directory, node) == pid}
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    return left


# --- cluster health ------------------------------------------------------------------------


def call_json(port: int, method: str, path: str, body: Any) -> dict[str, Any]:
    """Send a JSON request to a node on loopback; a ClusterError unless it answers 2xx."""
    code, answer = get_json(port, path, method=method, body=body, timeout=60)
    if not 200 <= code < 300:
        raise ClusterError(f"{method} {path} answered {code}: {json.dumps(answer)[:300]}")
    return answer


def get_json(
    port: int, path: str, *, method: str = "GET", body: Any = None, timeout: float = 10.0
) -> tuple[int, dict[str, Any]]:
    """Send a request (GET by default) to a node on loopback: the status and the JSON body."""
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        payload = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if payload is not None else {}
        connection.request(method, path, body=payload, headers=headers)
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    try:
        data = json.loads(body)
    except ValueError:
        data = {"raw": body.decode(errors="replace")}
    return response.status, data if isinstance(data, dict) else {"value": data}


def wait_for_health(
    config: ClusterConfig,
    directory: Path,
    watched: dict[int, subprocess.Popen[bytes]],
    *,
    nodes: int,
    status: str | None,
    timeout: float,
) -> dict[str, Any]:
    """Poll the nodes until the cluster has `nodes` nodes (and `status`); fail if a JVM dies."""
    query = f"wait_for_nodes={nodes}&timeout=2s" + (f"&wait_for_status={status}" if status else "")
    deadline = time.monotonic() + timeout
    last = "no node answered HTTP yet"
    while True:
        for node, process in watched.items():
            if process.poll() is not None:
                raise ClusterError(
                    f"node-{node} (pid {process.pid}) exited with code {process.returncode} "
                    f"while starting; see "
                    f"{log_path(directory, node)}:\n{_log_tail(directory, node)}"
                )
        for node in watched:
            try:
                code, health = get_json(config.http_port + node, f"/_cluster/health?{query}")
            except (OSError, http.client.HTTPException) as error:
                last = f"node-{node}: {error}"
                continue
            if code == 200 and not health.get("timed_out", False):
                return health
            last = f"node-{node} answered {code}: {json.dumps(health)[:300]}"
        if time.monotonic() > deadline:
            wanted = f"{status} with {nodes} nodes" if status else f"{nodes} nodes"
            logs = ", ".join(str(log_path(directory, node)) for node in watched)
            raise ClusterError(
                f"the cluster was not {wanted} after {timeout:.0f} s (last: {last}); "
                f"see the logs: {logs}"
            )
        time.sleep(POLL_INTERVAL_S)


def _log_tail(directory: Path, node: int) -> str:
    """The errors and last lines of node `node`'s log since its last start, for a message."""
    try:
        text = log_path(directory, node).read_text(errors="replace")
    except FileNotFoundError:
        return "(no log)"
    run = text[text.rfind(LOG_MARKER) :] if LOG_MARKER in text else text
    # A failed start ends in a long stack trace whose last lines rarely say what went wrong:
    # the exception lines above it do ("BindTransportException: Failed to bind to ...").
    errors = [line for line in run.splitlines() if ERROR_LINE.match(line)][-LOG_ERROR_LINES:]
    tail = _tail(run, LOG_TAIL_LINES - len(errors))
    return "\n".join([*errors, "...", tail]) if errors else tail


def _tail(text: str, lines: int = LOG_TAIL_LINES) -> str:
    """The last `lines` lines of `text`."""
    return "\n".join(text.rstrip().splitlines()[-lines:])


def check_ports_free(ports: dict[int, str]) -> None:
    """Fail naming the first port that something on loopback already listens on."""
    for port, role in ports.items():
        if not 1024 <= port <= 65535:
            raise ClusterError(f"port {port} ({role}) is outside 1024-65535")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            # As the nodes bind: SO_REUSEADDR, so a port in TIME_WAIT is not taken for busy.
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((HOST, port))
            except OSError as error:
                raise ClusterError(
                    f"port {port} ({role}) is in use on {HOST}: {error.strerror}; "
                    "pick other ports with --http-port and --transport-port"
                ) from error


def node_ports(config: ClusterConfig, nodes: Sequence[int]) -> dict[int, str]:
    """The HTTP and transport ports of the given nodes, each with what it is for."""
    ports: dict[int, str] = {}
    for node in nodes:
        ports[config.http_port + node] = f"HTTP of node-{node}"
        ports[config.transport_port + node] = f"transport of node-{node}"
    return ports


# --- cluster configuration -----------------------------------------------------------------


def read_config(directory: Path) -> ClusterConfig:
    """DIR/cluster.json, or a ClusterError saying how to create it."""
    path = directory / CONFIG_NAME
    try:
        data = json.loads(path.read_text())
        return ClusterConfig(**data)
    except FileNotFoundError:
        raise ClusterError(
            f"{directory} holds no cluster (no {CONFIG_NAME}); start one with "
            f"scripts/opensearch-cluster start --nodes N --dir {directory} --http-port P"
        ) from None
    except (ValueError, TypeError) as error:
        raise ClusterError(f"{path} is not a cluster configuration: {error}") from error


def write_config(directory: Path, config: ClusterConfig) -> None:
    """Write DIR/cluster.json."""
    path = directory / CONFIG_NAME
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(asdict(config), indent=2) + "\n")
    temporary.replace(path)


def running_nodes(directory: Path) -> dict[int, int]:
    """Every node of DIR whose JVM runs, by index, with its pid (pid files found in DIR)."""
    found: dict[int, int] = {}
    for path in directory.glob("node-*.pid"):
        match = re.fullmatch(r"node-(\d+)\.pid", path.name)
        if match is not None and (pid := running_pid(directory, int(match.group(1)))) is not None:
            found[int(match.group(1))] = pid
    return dict(sorted(found.items()))


def java_options_from_environment(environ: dict[str, str]) -> list[str]:
    """The nodes' JVM options: the defaults, then $OPENSEARCH_JAVA_OPTS (which win)."""
    return [*DEFAULT_JAVA_OPTIONS, *environ.get("OPENSEARCH_JAVA_OPTS", "").split()]


# --- commands --------------------------------------------------------------------------------


def start(directory: Path, nodes: int, http_port: int, transport_port: int, timeout: float) -> None:
    """The `start` command: build, start every node, wait for green, print the URLs."""
    if nodes < 1:
        raise ClusterError(f"--nodes must be at least 1, not {nodes}")
    if abs(http_port - transport_port) < nodes:
        raise ClusterError(
            f"HTTP ports {http_port}-{http_port + nodes - 1} and transport ports "
            f"{transport_port}-{transport_port + nodes - 1} overlap; pick another --transport-port"
        )
    directory = directory.resolve()
    directory.mkdir(parents=True, exist_ok=True)
    with _directory_lock(directory):
        running = running_nodes(directory)
        if running:
            names = ", ".join(f"node-{node} (pid {pid})" for node, pid in running.items())
            raise ClusterError(
                f"a cluster is already running in {directory}: {names}; stop it first with "
                f"scripts/opensearch-cluster stop --dir {directory}"
            )
        previous = _previous_config(directory)
        if previous is not None and previous.nodes != nodes:
            raise ClusterError(
                f"{directory} holds the data of a {previous.nodes}-node cluster; start it with "
                f"--nodes {previous.nodes}, or remove {directory} to start afresh"
            )
        config = ClusterConfig(
            nodes=nodes,
            http_port=http_port,
            transport_port=transport_port,
            # The same name across restarts of DIR (its data says which cluster it belongs to),
            # and a new one for a new DIR, so that two test clusters never join each other.
            cluster_name=previous.cluster_name
            if previous is not None
            else f"medsearch-test-{secrets.token_hex(4)}",
            java_options=java_options_from_environment(dict(os.environ)),
        )
        indices = range(nodes)
        check_ports_free(node_ports(config, indices))
        java = find_java()
        jar = build()
        write_config(directory, config)
        began = time.monotonic()
        started: dict[int, subprocess.Popen[bytes]] = {}
        try:
            # All nodes at once: the first election needs a majority of them running.
            for node in indices:
                started[node] = spawn_node(java, jar, config, directory, node)
            wait_for_health(
                config, directory, started, nodes=nodes, status="green", timeout=timeout
            )
        except BaseException:
            stop_started(directory, started)
            raise
    print(
        f"opensearch-cluster: {nodes} node(s) green in {time.monotonic() - began:.1f} s; "
        f"stop with scripts/opensearch-cluster stop --dir {directory}",
        file=sys.stderr,
    )
    for node in indices:
        print(config.http_url(node), flush=True)


def start_node(directory: Path, node: int, timeout: float) -> None:
    """The `start-node` command: restart one node of DIR's cluster and wait until it is back."""
    directory = directory.resolve()
    config = read_config(directory)
    if not 0 <= node < config.nodes:
        raise ClusterError(f"--node must be 0 to {config.nodes - 1} for {directory}, not {node}")
    with _directory_lock(directory):
        pid = running_pid(directory, node)
        if pid is not None:
            raise ClusterError(f"node-{node} of {directory} is already running (pid {pid})")
        check_ports_free(node_ports(config, [node]))
        java = find_java()
        jar = build()
        began = time.monotonic()
        others = sum(1 for i in range(config.nodes) if i != node and running_pid(directory, i))
        everyone = others == config.nodes - 1
        started = {node: spawn_node(java, jar, config, directory, node)}
        try:
            # Green only when every node runs: with another node still down, wait until this
            # one has joined the nodes that do run.
            wait_for_health(
                config,
                directory,
                started,
                nodes=others + 1,
                status="green" if everyone else None,
                timeout=timeout,
            )
        except BaseException:
            stop_started(directory, started)
            raise
    state = "green" if everyone else "joined"
    print(
        f"opensearch-cluster: node-{node} {state} in {time.monotonic() - began:.1f} s",
        file=sys.stderr,
    )
    print(config.http_url(node), flush=True)


def stop(directory: Path, timeout: float) -> None:
    """The `stop` command: stop every node of DIR and remove the pid files."""
    directory = directory.resolve()
    if not directory.is_dir():
        raise ClusterError(f"{directory} is not a folder")
    with _directory_lock(directory):
        nodes = sorted(
            int(match.group(1))
            for path in directory.glob("node-*.pid")
            if (match := re.fullmatch(r"node-(\d+)\.pid", path.name)) is not None
        )
        done = stop_nodes(directory, nodes, timeout)
    if done:
        for line in done:
            print(f"opensearch-cluster: {line}", file=sys.stderr)
    else:
        print(f"opensearch-cluster: no node of {directory} was running", file=sys.stderr)


def status(directory: Path) -> int:
    """The `status` command: each node's pid and URL, and the cluster's health; 1 if any is down."""
    directory = directory.resolve()
    config = read_config(directory)
    running = running_nodes(directory)
    for node in range(config.nodes):
        pid = running.get(node)
        state = f"running (pid {pid})" if pid is not None else "not running"
        print(f"node-{node} {config.http_url(node)} {state}")
    for node in running:
        try:
            code, health = get_json(config.http_port + node, "/_cluster/health")
        except (OSError, http.client.HTTPException):
            continue
        print(f"cluster {health.get('status', code)} with {health.get('number_of_nodes')} nodes")
        break
    return 0 if len(running) == config.nodes else 1


def _previous_config(directory: Path) -> ClusterConfig | None:
    """DIR's cluster.json if it has one."""
    if not (directory / CONFIG_NAME).exists():
        return None
    return read_config(directory)


@contextlib.contextmanager
def _directory_lock(directory: Path) -> Iterator[None]:
    """Hold DIR's lock: two commands on one DIR at once would start a node twice."""
    with open(directory / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog="opensearch-cluster",
        description="A local OpenSearch 2.19 cluster for tests and development (not production).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    start_parser = commands.add_parser("start", help="start N nodes, wait for green, print URLs")
    start_parser.add_argument("--nodes", type=int, required=True, help="how many nodes")
    start_parser.add_argument("--dir", type=Path, required=True, help="the cluster's folder")
    start_parser.add_argument(
        "--http-port", type=int, required=True, help="node i answers HTTP on this port + i"
    )
    start_parser.add_argument(
        "--transport-port", type=int, help="node i's transport port is this + i (HTTP port + 100)"
    )
    start_parser.add_argument(
        "--timeout", type=float, default=START_TIMEOUT_S, help="seconds to wait for green"
    )
    node_parser = commands.add_parser("start-node", help="restart one node of a cluster")
    node_parser.add_argument("--dir", type=Path, required=True, help="the cluster's folder")
    node_parser.add_argument("--node", type=int, required=True, help="which node, from 0")
    node_parser.add_argument(
        "--timeout", type=float, default=START_TIMEOUT_S, help="seconds to wait for it to join"
    )
    stop_parser = commands.add_parser("stop", help="stop every node and remove the pid files")
    stop_parser.add_argument("--dir", type=Path, required=True, help="the cluster's folder")
    stop_parser.add_argument(
        "--timeout", type=float, default=STOP_TIMEOUT_S, help="seconds before SIGKILL"
    )
    status_parser = commands.add_parser("status", help="which nodes run, and the cluster health")
    status_parser.add_argument("--dir", type=Path, required=True, help="the cluster's folder")
    commands.add_parser("build", help="build the node program and print its jar's path")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; expected failures print one line (or a log tail) and return 1."""
    args = parse_args(sys.argv[1:] if argv is None else argv)
    try:
        if args.command == "start":
            transport = args.transport_port if args.transport_port else args.http_port + 100
            start(args.dir, args.nodes, args.http_port, transport, args.timeout)
        elif args.command == "start-node":
            start_node(args.dir, args.node, args.timeout)
        elif args.command == "stop":
            stop(args.dir, args.timeout)
        elif args.command == "status":
            return status(args.dir)
        else:
            print(build())
    except ClusterError as error:
        print(f"opensearch-cluster: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
