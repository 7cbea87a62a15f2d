"""Asserts two `oauth-metadata-repair check --json --register --login`
reports of one real server, straight and through the proxy, finding by finding.

    python check_report.py SERVER STRAIGHT.json STATUS PROXIED.json STATUS

Prints one FAIL line per broken expectation (naming the server, the route and
the finding) and exits 1 if there is any.
"""

import json
import re
import sys
from urllib.parse import urlsplit

# Every finding of a real buggy server straight: the advertisement of "none" is
# wrong, and iss is neither advertised nor sent (MCP 2026-07-28); the login
# itself goes through every step.
STRAIGHT = {
    "mcp.challenge": "pass",
    "mcp.resource-metadata-url": "pass",
    "wellknown.json": "pass",
    "metadata.no-null": "pass",
    "metadata.content-type": "pass",
    "metadata.no-redirect": "pass",
    "resource.metadata": "pass",
    "resource.matches": "pass",
    "resource.authorization-servers": "pass",
    "server.metadata": "pass",
    "server.issuer": "pass",
    "server.endpoints": "pass",
    "server.token-auth-none": "fail",
    "server.pkce-s256": "pass",
    "server.response-type-code": "pass",
    "server.registration": "pass",
    "server.https": "pass",
    "server.iss-parameter": "warn",
    "probe.registration": "pass",
    "probe.client-secret": "pass",
    "probe.public-client": "pass",
    "login.registration": "pass",
    "login.authorization": "pass",
    "login.iss": "warn",
    "login.token-exchange": "pass",
    "login.token-response": "pass",
    "login.token-type": "pass",
    "login.token-no-store": "pass",
    "login.mcp-request": "pass",
    "login.discover": "info",
}
ISS = ("server.iss-parameter", "login.iss")
# Through the proxy: "none" is listed, and the proxy's RFC 9207 repair (on by
# default) advertises iss and adds it to the redirect; nothing else changes.
CHANGED = ("server.token-auth-none",) + ISS
PROXIED = dict(STRAIGHT, **{fid: "pass" for fid in CHANGED})
# What the preview of the straight server inserts: "none", and the iss advertisement.
ISS_INSERT = ',"authorization_response_iss_parameter_supported":true'

problems = []


def expect(ok, what):
    if not ok:
        problems.append(what)


def port_free(text):
    """The report's text with loopback addresses and client ids made equal."""
    text = re.sub(r"127\.0\.0\.1:\d+", "127.0.0.1:PORT", text)
    return re.sub(r'client "[^"]*"', 'client "ID"', text)


def check_route(server, route, report, status, expected):
    where = f"{server} {route}"
    findings = {f["id"]: f for f in report["findings"]}
    expect(len(findings) == len(report["findings"]), f"{where}: a finding id appears twice")
    expect(sorted(findings) == sorted(expected), f"{where}: findings {sorted(findings)} are not {sorted(expected)}")
    for fid, severity in expected.items():
        got = findings.get(fid, {}).get("severity")
        expect(got == severity, f"{where}: {fid} is {got}, expected {severity}: {findings.get(fid, {}).get('summary')}")
    fails = [f for f in report["findings"] if f["severity"] == "fail"]
    want_status = 1 if fails else 0
    expect(status == want_status, f"{where}: exit status {status}, expected {want_status}")
    expect(report["summary"]["exit_status"] == want_status, f"{where}: summary.exit_status")
    expect(report["registered_client"] is True, f"{where}: the report does not say a client was registered")
    expect(report["logged_in"] is True, f"{where}: the report does not say a login was made")
    return findings


def main():
    server, straight_path, straight_status, proxied_path, proxied_status = sys.argv[1:6]
    straight = json.load(open(straight_path))
    proxied = json.load(open(proxied_path))
    s = check_route(server, "straight", straight, int(straight_status), STRAIGHT)
    p = check_route(server, "through the proxy", proxied, int(proxied_status), PROXIED)

    none = s.get("server.token-auth-none", {})
    named = [c["client"] for c in none.get("clients", [])]
    expect("mcp-remote" in named, f"{server} straight: server.token-auth-none names {named}, not mcp-remote")
    expect("mcp-remote" in straight["summary"]["clients_failing"], f"{server} straight: mcp-remote not among the clients that will fail")
    expect(proxied["summary"]["clients_failing"] == [], f"{server} through the proxy: clients still fail: {proxied['summary']['clients_failing']}")
    for fid in ISS:
        named = [c["client"] for c in s.get(fid, {}).get("clients", [])]
        expect("Gemini CLI" in named, f"{server} straight: {fid} names {named}, not Gemini CLI")
    public = s.get("probe.public-client", {}).get("summary", "")
    expect("public clients are accepted" in public, f"{server} straight: the probe did not find public clients accepted: {public}")
    expect(straight["repair"] and straight["repair"]["repaired"] and [i["text"] for i in straight["repair"]["inserts"]] == [',"none"', ISS_INSERT],
           f"{server} straight: the preview does not insert ,\"none\" and the iss advertisement: {straight['repair']}")
    expect(proxied["repair"] and proxied["repair"]["left_alone_because"] == "already compliant",
           f"{server} through the proxy: the preview is not 'already compliant': {proxied['repair']}")

    # Nothing else changes: every other finding reads the same, and the same
    # requests got the same answers.
    for fid in STRAIGHT:
        if fid in CHANGED or fid not in s or fid not in p:
            continue
        a, b = s[fid], p[fid]
        same = lambda f: [f["severity"], port_free(f["summary"]), port_free(json.dumps(f["evidence"]))]
        expect(same(a) == same(b),
               f"{server}: {fid} differs through the proxy: {a['summary']!r} vs {b['summary']!r}")
    seen = lambda r: [(q["method"], urlsplit(q["url"]).path, q["status"]) for q in r["requests"]]
    expect(seen(straight) == seen(proxied), f"{server}: other requests or answers through the proxy: {seen(straight)} vs {seen(proxied)}")

    for line in problems:
        print(f"FAIL {line}", file=sys.stderr)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
