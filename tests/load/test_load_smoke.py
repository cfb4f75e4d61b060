"""Short run of the load test (bench/load.sh) in CI: three classes of users at once for a
few seconds against gunicorn on loopback; no request may fail and each class must have
worked. The full run (60 s, more users) is on demand; its figures are in the README."""

import csv
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.integration
def test_load_smoke(tmp_path):
    env = {
        **os.environ,
        "LOAD_OPERATORS": "1",
        "LOAD_EVALUATORS": "1",
        "LOAD_PUBLIC": "2",
        "LOAD_WORKERS": "2",
        "LOAD_OUTPUT": str(tmp_path),
    }
    run = subprocess.run(
        ["bash", "bench/load.sh", "15"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    with open(tmp_path / "result_stats.csv", encoding="utf-8") as stats:
        rows = {row["Name"]: row for row in csv.DictReader(stats)}
    assert int(rows["Aggregated"]["Failure Count"]) == 0
    assert int(rows["Aggregated"]["Request Count"]) > 0
    for who in ("operator", "evaluator", "public"):
        made = sum(int(r["Request Count"]) for n, r in rows.items() if n.startswith(who + ":"))
        assert made > 0, f"no request by the {who} users"
    # Each journey went to its end: a request submitted, a file opened past the second
    # factor, a letter verified.
    for name in ("operator: submit", "evaluator: file", "public: verification"):
        assert int(rows[name]["Request Count"]) > 0, name
    assert int(rows["evaluator: second factor"]["Request Count"]) == 1
    assert "LOAD TEST FAILED" not in run.stderr
