"""Target 3: the public registry (/registre/, 2,000 granted global derogations at scale 1)
under gunicorn, 2 sync workers on loopback, driven by wrk: requests per second against
hello-world (bench/views.hello, same middleware) served by the same gunicorn in the same
run, measured in alternation; in the same rounds, the registry with a new query string
each request (a wrk script: rendered, the per-worker page cache cannot answer), a figure;
then a conditional GET with the page's ETag must get 304.
"""

import http.client
import re
import shutil
import subprocess
import tempfile

from django.urls import reverse

from bench.measure import Row, yes_no
from bench.server import Server, gunicorn
from derogations.models import Derogation

from . import Context

BOUND = 0.40
ROUNDS = 2  # hello, registry, hello, registry: the machine's load hits both alike
CONNECTIONS = 4


# Each request a new query string (the per-worker page cache cannot answer): a counter
# and a random number, new in every round.
FRESH_QUERY = """
counter = 0
math.randomseed(os.time())
request = function()
  counter = counter + 1
  return wrk.format(nil, "PATH?v=" .. counter .. "-" .. math.random(1000000000))
end
"""


def wrk(server: Server, path: str, seconds: int, fresh: bool = False) -> tuple[int, float]:
    """(requests, seconds) of one wrk run; fails on any answer other than 2xx/3xx.
    ``fresh``: a new query string each request."""
    wrk_bin = shutil.which("wrk")
    if wrk_bin is None:
        raise RuntimeError("wrk is not installed: run bash scripts/bootstrap.sh")
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(FRESH_QUERY.replace("PATH", path))
        script.flush()
        out = subprocess.run(  # noqa: S603 (our own command line)
            [wrk_bin, "-t1", f"-c{CONNECTIONS}", f"-d{seconds}s",
             *(["-s", script.name] if fresh else []), server.url(path)],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    if "Non-2xx or 3xx" in out or "Socket errors" in out:
        raise RuntimeError(f"wrk {path}: errors\n{out}")
    match = re.search(r"(\d+) requests in ([\d.]+)(m?s)", out)
    if match is None:
        raise RuntimeError(f"wrk {path}: cannot read\n{out}")
    elapsed = float(match[2]) / (1000 if match[3] == "ms" else 1)
    return int(match[1]), elapsed


def get(server: Server, path: str, headers: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=60)
    conn.request("GET", path, headers=headers or {})
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def run(ctx: Context) -> list[Row]:
    seconds = 10 if ctx.large >= 100_000 else 3
    registry, hello = reverse("derogations:registry"), reverse("bench_hello")
    globals_ = Derogation.objects.filter(request__kind="global").count()
    with gunicorn(workers=2) as server:
        first, body = get(server, registry)
        if first.status != 200 or b"fr-table" not in body:
            raise RuntimeError(f"registry: HTTP {first.status}")
        etag = first.getheader("ETag")
        again, _ = get(server, registry, {"If-None-Match": etag or ""})
        for _ in range(50):  # warm up both workers' caches of templates and pages
            get(server, registry)
            get(server, hello)
        series = {"hello": (hello, False), "registry": (registry, False), "fresh": (registry, True)}
        counts = {name: [0, 0.0] for name in series}
        for _ in range(ROUNDS):
            for name, (path, fresh) in series.items():
                done, elapsed = wrk(server, path, seconds, fresh)
                counts[name][0] += done
                counts[name][1] += elapsed
    rate = {name: done / elapsed for name, (done, elapsed) in counts.items()}
    ratio = rate["registry"] / rate["hello"]
    fresh_ratio = rate["fresh"] / rate["hello"]
    return [
        Row(
            "3 public registry under gunicorn, a new query string each request (rendered, "
            "the per-worker page cache cannot answer), same rounds",
            f"{rate['fresh']:.0f} req/s = {fresh_ratio:.1%} of hello-world",
            "figure (bound: rendered ≤ 4 × trivial, registry_pages)",
            "-",
        ),
        Row(
            f"3 public registry ({globals_:,} global derogations) under gunicorn, 2 workers, "
            f"wrk {CONNECTIONS} connections, {ROUNDS}×{seconds} s each",
            f"{rate['registry']:.0f} req/s = {ratio:.0%} of hello-world ({rate['hello']:.0f} req/s)",
            f"≥ {BOUND:.0%}",
            yes_no(ratio >= BOUND),
        ),
        Row(
            "3 public registry, conditional GET with its ETag",
            f"HTTP {again.status} (ETag {etag})",
            "304",
            yes_no(again.status == 304),
        ),
    ]
