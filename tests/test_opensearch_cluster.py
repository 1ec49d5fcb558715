"""The OpenSearch test cluster (scripts/opensearch-cluster) on real JVMs: no mocks.

One 3-node cluster serves the whole session (the `opensearch_cluster` fixture); the fault test
kills and restarts one of its nodes and leaves it green again.
"""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import (
    OPENSEARCH_NODES,
    OpenSearchCluster,
    free_port_range,
    run_opensearch_cluster,
)

pytestmark = pytest.mark.opensearch


def call(url: str, method: str = "GET", body: Any = None, timeout: float = 30) -> Any:
    """Send one JSON request to a node and return the JSON answer; raise on an HTTP error."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def health(url: str, **wait: str) -> dict[str, Any]:
    """The cluster health as node `url` sees it, optionally waiting (wait_for_status=...)."""
    query = "&".join(f"{key}={value}" for key, value in {"timeout": "30s", **wait}.items())
    answer: dict[str, Any] = call(f"{url}/_cluster/health?{query}", timeout=60)
    return answer


def create_index(url: str, name: str, mappings: dict[str, Any], **settings: Any) -> None:
    """Create index `name` with 3 shards and 1 replica (plus `settings`), and wait for green."""
    call(
        f"{url}/{name}?wait_for_active_shards=all",
        "PUT",
        {
            "settings": {"number_of_shards": 3, "number_of_replicas": 1, **settings},
            "mappings": mappings,
        },
    )
    assert health(url, wait_for_status="green")["status"] == "green"


def search_total(url: str, index: str, query: dict[str, Any]) -> int:
    """How many documents `query` matches in `index`, asserting no shard failed."""
    answer = call(f"{url}/{index}/_search", "POST", {"query": query})
    assert answer["_shards"]["failed"] == 0, json.dumps(answer["_shards"])
    total: int = answer["hits"]["total"]["value"]
    return total


@pytest.fixture
def index(opensearch_cluster: OpenSearchCluster, request: pytest.FixtureRequest) -> Iterator[str]:
    """A name for the test's own index, deleted afterwards: the cluster serves the session."""
    name = request.node.name.removeprefix("test_opensearch_cluster_").replace("_", "-")
    yield name
    # ignore_unavailable: a test that failed before creating its index leaves none to delete.
    call(f"{opensearch_cluster.urls[0]}/{name}?ignore_unavailable=true", "DELETE")


def test_opensearch_cluster_prints_one_url_per_node(opensearch_cluster: OpenSearchCluster) -> None:
    port = opensearch_cluster.http_port
    assert opensearch_cluster.urls == [f"http://127.0.0.1:{port + i}" for i in range(3)]
    for node, url in enumerate(opensearch_cluster.urls):
        root = call(url)
        assert root["name"] == f"node-{node}"
        assert root["version"]["number"] == "2.19.6"
        assert opensearch_cluster.pid(node) > 0


def test_opensearch_cluster_is_green_with_three_nodes(
    opensearch_cluster: OpenSearchCluster,
) -> None:
    answer = health(opensearch_cluster.urls[0], wait_for_status="green")
    assert (answer["status"], answer["number_of_nodes"]) == ("green", OPENSEARCH_NODES)
    nodes = call(f"{opensearch_cluster.urls[1]}/_cat/nodes?format=json&h=name,ip")
    assert sorted(node["name"] for node in nodes) == ["node-0", "node-1", "node-2"]
    assert {node["ip"] for node in nodes} == {"127.0.0.1"}


def test_opensearch_cluster_stems_english(
    opensearch_cluster: OpenSearchCluster, index: str
) -> None:
    url = opensearch_cluster.urls[0]
    # The `english` analyzer and the `snowball` filter both come from analysis-common: an index
    # using them cannot even be created without that module.
    create_index(
        url,
        index,
        {
            "properties": {
                "body": {"type": "text", "analyzer": "english"},
                "title": {"type": "text", "analyzer": "snowball_english"},
            }
        },
        analysis={
            "analyzer": {
                "snowball_english": {
                    "tokenizer": "standard",
                    "filter": ["lowercase", "english_snowball"],
                }
            },
            "filter": {"english_snowball": {"type": "snowball", "language": "English"}},
        },
    )
    call(
        f"{url}/{index}/_doc/1?refresh=true",
        "PUT",
        {"title": "Treating headaches", "body": "Patients were running daily and sleeping well."},
    )
    assert search_total(url, index, {"match": {"body": "runs"}}) == 1
    assert search_total(url, index, {"match": {"title": "headache treated"}}) == 1
    assert search_total(url, index, {"match": {"body": "swimming"}}) == 0
    tokens = call(
        f"{url}/{index}/_analyze", "POST", {"analyzer": "snowball_english", "text": "Headaches"}
    )
    assert [token["token"] for token in tokens["tokens"]] == ["headach"]


def test_opensearch_cluster_search_as_you_type(
    opensearch_cluster: OpenSearchCluster, index: str
) -> None:
    url = opensearch_cluster.urls[1]
    # search_as_you_type comes from mapper-extras.
    create_index(url, index, {"properties": {"title": {"type": "search_as_you_type"}}})
    call(
        f"{url}/{index}/_doc/1?refresh=true",
        "PUT",
        {"title": "Cluster headache oxygen therapy"},
    )
    call(f"{url}/{index}/_doc/2?refresh=true", "PUT", {"title": "Migraine in children"})
    prefix = {
        "multi_match": {
            "query": "cluster heada",
            "type": "bool_prefix",
            "fields": ["title", "title._2gram", "title._3gram"],
        }
    }
    answer = call(f"{url}/{index}/_search", "POST", {"query": prefix})
    assert [hit["_id"] for hit in answer["hits"]["hits"]] == ["1"]


def test_opensearch_cluster_survives_a_killed_node(
    opensearch_cluster: OpenSearchCluster, index: str
) -> None:
    urls = opensearch_cluster.urls
    create_index(urls[0], index, {"properties": {"body": {"type": "text"}}})
    lines = "\n".join(
        json.dumps(line)
        for number in range(30)
        for line in ({"index": {"_id": str(number)}}, {"body": f"migraine article {number}"})
    )
    request = urllib.request.Request(
        f"{urls[0]}/{index}/_bulk?refresh=true", data=(lines + "\n").encode(), method="POST"
    )
    request.add_header("Content-Type", "application/x-ndjson")
    with urllib.request.urlopen(request, timeout=60) as response:
        assert json.loads(response.read())["errors"] is False
    query = {"match": {"body": "migraine"}}
    assert search_total(urls[0], index, query) == 30

    # Kill the elected cluster manager: the hardest node to lose, since the others must elect
    # a new one before the cluster's health can even be asked.
    manager = call(f"{urls[0]}/_cat/cluster_manager?format=json")[0]["node"]
    victim = int(manager.removeprefix("node-"))
    survivors = [url for node, url in enumerate(urls) if node != victim]

    failures: list[str] = []
    retried: list[str] = []
    totals: list[int] = []
    stop = threading.Event()

    def search_steadily() -> None:
        # Searches alternate between the surviving nodes before, during and after the kill.
        while not stop.is_set():
            for url in survivors:
                try:
                    totals.append(search_total(url, index, query))
                    continue
                except (AssertionError, OSError, urllib.error.HTTPError) as error:
                    retried.append(f"{url}: {error}")
                # A search whose fetch phase was in flight on the killed node reports those
                # shards failed (node_disconnected_exception): OpenSearch retries a failed query
                # phase on a replica, not a fetch. Asked again, the replicas answer; a client
                # (the engine) must retry such a search once.
                try:
                    totals.append(search_total(url, index, query))
                except (AssertionError, OSError, urllib.error.HTTPError) as error:
                    failures.append(f"{url}: {error}")

    searcher = threading.Thread(target=search_steadily)
    searcher.start()
    try:
        _wait_for_searches(totals, 5)
        before = len(totals)
        opensearch_cluster.kill(victim)
        killed_at = time.monotonic()
        status = _wait_for_status(survivors[0], "yellow", nodes=OPENSEARCH_NODES - 1)
        yellow_after = time.monotonic() - killed_at
        # Searches go on answering while the cluster is degraded, not only around the kill.
        _wait_for_searches(totals, len(totals) + 5)
    finally:
        stop.set()
        searcher.join(timeout=60)
    assert failures == []
    assert len(totals) >= before + 5
    assert set(totals) == {30}
    assert len(retried) <= len(survivors), retried  # only searches in flight at the kill
    assert status["unassigned_shards"] > 0
    print(
        f"\nnode-{victim} (cluster manager) killed: yellow after {yellow_after:.1f} s; "
        f"{len(totals)} searches answered, {len(retried)} retried: {retried}"
    )

    began = time.monotonic()
    restarted = opensearch_cluster.start_node(victim)
    assert restarted.returncode == 0, restarted.stderr
    print(f"node-{victim} restarted, cluster green in {time.monotonic() - began:.1f} s")
    assert restarted.stdout.split() == [urls[victim]]
    answer = health(urls[victim], wait_for_status="green")
    assert (answer["status"], answer["number_of_nodes"]) == ("green", OPENSEARCH_NODES)
    for url in urls:
        assert search_total(url, index, query) == 30


def _wait_for_searches(totals: list[int], count: int, timeout: float = 60) -> None:
    """Wait until the searching thread has `count` answers in `totals`."""
    deadline = time.monotonic() + timeout
    while len(totals) < count:
        assert time.monotonic() < deadline, f"only {len(totals)} searches answered in {timeout} s"
        time.sleep(0.05)


def _wait_for_status(url: str, status: str, nodes: int, timeout: float = 60) -> dict[str, Any]:
    """Poll the health until it is exactly `status` with `nodes` nodes (yellow is not green)."""
    deadline = time.monotonic() + timeout
    answer: dict[str, Any] = {}
    while time.monotonic() < deadline:
        try:
            answer = health(url, wait_for_nodes=str(nodes), timeout="2s")
        except urllib.error.HTTPError as error:
            # 503 while the survivors elect a new cluster manager, 408 while nodes are missing.
            answer = {"error": error.code}
        if answer.get("status") == status and answer.get("number_of_nodes") == nodes:
            return answer
        time.sleep(0.2)
    raise AssertionError(f"the cluster was not {status} with {nodes} nodes: {answer}")


def test_opensearch_cluster_refuses_a_second_start(opensearch_cluster: OpenSearchCluster) -> None:
    directory = str(opensearch_cluster.directory)
    port = str(free_port_range(OPENSEARCH_NODES))
    result = run_opensearch_cluster(
        "start", "--nodes", "3", "--dir", directory, "--http-port", port
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert f"a cluster is already running in {directory}: node-" in result.stderr
    assert f"scripts/opensearch-cluster stop --dir {directory}" in result.stderr
    assert health(opensearch_cluster.urls[0])["number_of_nodes"] == OPENSEARCH_NODES


def test_opensearch_cluster_stop_ends_the_nodes(tmp_path: Path) -> None:
    port = free_port_range(1)
    transport = free_port_range(1, avoid=range(port, port + 1))
    started = run_opensearch_cluster(
        "start",
        *("--nodes", "1", "--dir", str(tmp_path), "--http-port", str(port)),
        *("--transport-port", str(transport)),
    )
    assert started.returncode == 0, started.stderr
    assert started.stdout == f"http://127.0.0.1:{port}\n"
    pid = int((tmp_path / "node-0.pid").read_text())
    assert Path(f"/proc/{pid}/cmdline").read_bytes()

    stopped = run_opensearch_cluster("stop", "--dir", str(tmp_path), timeout=120)

    assert stopped.returncode == 0, stopped.stderr
    assert f"node-0 (pid {pid}) stopped" in stopped.stderr
    assert not (tmp_path / "node-0.pid").exists()
    cmdline = Path(f"/proc/{pid}/cmdline")
    assert not cmdline.exists() or cmdline.read_bytes() == b""
    assert "closed" in (tmp_path / "node-0.log").read_text()


def test_opensearch_cluster_start_names_a_busy_port(tmp_path: Path) -> None:
    port = free_port_range(1)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as taken:
        taken.bind(("127.0.0.1", port))
        taken.listen()
        result = run_opensearch_cluster(
            "start", "--nodes", "1", "--dir", str(tmp_path), "--http-port", str(port)
        )
    assert result.returncode == 1
    assert result.stdout == ""
    assert f"port {port} (HTTP of node-0) is in use on 127.0.0.1" in result.stderr
    assert list(tmp_path.glob("*.pid")) == []


def test_opensearch_cluster_start_points_at_the_log_of_a_failed_node(tmp_path: Path) -> None:
    port = free_port_range(1)
    transport = free_port_range(1, avoid=range(port, port + 1))
    # A heap too small to start a JVM: the node dies at once, as a broken one would.
    result = run_opensearch_cluster(
        *("start", "--nodes", "1", "--dir", str(tmp_path), "--http-port", str(port)),
        *("--transport-port", str(transport)),
        env={"OPENSEARCH_JAVA_OPTS": "-Xmx1m"},
    )
    assert result.returncode == 1
    assert result.stdout == ""
    assert "node-0 (pid " in result.stderr
    assert f"while starting; see {tmp_path / 'node-0.log'}" in result.stderr
    assert "heap" in result.stderr  # the log's last lines, with the JVM's own complaint
    assert list(tmp_path.glob("*.pid")) == []


def test_opensearch_cluster_build_is_cached(opensearch_cluster: OpenSearchCluster) -> None:
    # The session's start built the launcher: with its sources unchanged, nothing is rebuilt.
    began = time.monotonic()
    result = run_opensearch_cluster("build")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    jar = Path(result.stdout.strip())
    assert jar.name == "opensearch-launcher.jar"
    assert jar.is_file()
    assert time.monotonic() - began < 30
