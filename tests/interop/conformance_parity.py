"""The parity of the conformance suite and `check --login --register` on
one switch of check's test server (`row`), and the table of all (`table`).

    python conformance_parity.py row SWITCH SUITE.json CHECK.json STATUS >> rows.jsonl
    python conformance_parity.py table rows.jsonl

`table` prints a Markdown table and exits 1 when, on some switch, the suite
FAILs and check does not (the suite's CIMD WARNING is not a FAIL).
"""

import json
import sys


def row(switch, suite_path, check_path, status):
    suite = json.load(open(suite_path))
    checks = suite["checks"]
    suite_fails = [f"{c['id']}: {c['errorMessage']}" for c in checks if c["status"] == "FAILURE"]
    try:
        report = json.load(open(check_path))
        check_fails = [f["id"] for f in report["findings"] if f["severity"] == "fail"]
    except (OSError, ValueError):
        check_fails = [f"(no report, exit {status})"]
    return {
        "switch": switch,
        "suite_ran": len(checks) > 0,
        "suite_fails": suite_fails,
        "check_fails": check_fails,
        "check_status": int(status),
    }


def table(rows_path):
    rows = [json.loads(line) for line in open(rows_path)]
    problems = []
    print("| test server switch | conformance suite FAILs | check --login FAILs |")
    print("| --- | --- | --- |")
    for r in rows:
        suite = "; ".join(r["suite_fails"]) or "—"
        check = ", ".join(r["check_fails"]) or "—"
        print(f"| {r['switch']} | {suite} | {check} (exit {r['check_status']}) |")
        if not r["suite_ran"]:
            problems.append(f"{r['switch']}: the suite reported no checks")
        if r["suite_fails"] and r["check_status"] != 1:
            problems.append(f"{r['switch']}: the suite FAILs ({suite}) and check exits {r['check_status']}")
        if r["switch"] == "clean" and (r["suite_fails"] or r["check_status"] != 0):
            problems.append(f"clean: the suite FAILs {suite} or check exits {r['check_status']}")
    both = sum(1 for r in rows if r["suite_fails"] and r["check_status"] == 1)
    only_check = sum(1 for r in rows if not r["suite_fails"] and r["check_status"] == 1)
    print(f"\n{len(rows)} servers: the suite FAILs {both} (check FAILs each of them too); "
          f"check alone FAILs {only_check} more.")
    for p in problems:
        print(f"FAIL {p}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    if sys.argv[1] == "row":
        print(json.dumps(row(*sys.argv[2:6])))
    else:
        table(sys.argv[2])
