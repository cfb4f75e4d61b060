"""Prints locust's figures as a table and checks them (bench/load.sh).

    python bench/load/report.py STATS.csv FAILURES.csv

Exit status 1 if any request failed or one of the three classes of users made no request.
"""

import csv
import sys

CLASSES = ("operator", "evaluator", "public")


def main(stats_path: str, failures_path: str) -> int:
    with open(stats_path, encoding="utf-8") as stats_file:
        rows = list(csv.DictReader(stats_file))
    total = next(row for row in rows if row["Name"] == "Aggregated")
    endpoints = [row for row in rows if row["Name"] != "Aggregated"]
    print(
        f"{'endpoint':<38} {'requests':>8} {'failures':>8} {'req/s':>7} {'median ms':>9} {'p95 ms':>7}"
    )
    for row in [*sorted(endpoints, key=lambda r: r["Name"]), total]:
        print(
            f"{row['Name']:<38} {row['Request Count']:>8} {row['Failure Count']:>8} "
            f"{float(row['Requests/s']):>7.2f} {float(row['Median Response Time']):>9.0f} "
            f"{float(row['95%']):>7.0f}"
        )
    problems = []
    if int(total["Failure Count"]):
        problems.append(f"{total['Failure Count']} failed requests")
        with open(failures_path, encoding="utf-8") as failures_file:
            for failure in csv.DictReader(failures_file):
                print(f"FAILED {failure['Name']}: {failure['Error']} ({failure['Occurrences']}×)")
    for name in CLASSES:
        count = sum(int(r["Request Count"]) for r in endpoints if r["Name"].startswith(name + ":"))
        if not count:
            problems.append(f"no request by the {name} users")
    for problem in problems:
        print(f"LOAD TEST FAILED: {problem}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
