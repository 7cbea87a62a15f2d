"""Runs the official MCP conformance suite's authorization scenarios against
one authorization server, playing the person at the browser: when the suite
prints the authorization URL, it is opened headlessly (browser.py) and the
redirect followed back to the suite's loopback callback.

    python conformance_run.py NODE SUITE_JS ISSUER CLIENT_ID RESOURCE OUT_DIR

Prints one line of JSON: every check the suite made, {id, status, errorMessage}.
Loopback only; the suite is given at most 90 seconds.
"""

import glob
import json
import os
import socket
import subprocess
import sys
import threading

here = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    node, suite, issuer, client_id, resource, out_dir = sys.argv[1:7]
    port = free_port()
    cmd = [node, suite, "authorization", "--url", issuer, "--client-id", client_id,
           "--port", str(port), "--resource", resource, "-o", out_dir]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    timer = threading.Timer(90, proc.kill)
    timer.start()
    log = []
    authorize = issuer.rstrip("/")
    for line in proc.stdout:
        log.append(line)
        # The suite prints the authorization URL alone on a line.
        if line.startswith("http") and "response_type=code" in line:
            subprocess.run([sys.executable, os.path.join(here, "browser.py"), line.strip()],
                           timeout=30, check=False, capture_output=True)
    proc.wait()
    timer.cancel()
    checks = []
    for path in sorted(glob.glob(os.path.join(out_dir, "*", "checks.json"))):
        for c in json.load(open(path)):
            checks.append({k: c.get(k) for k in ("id", "status", "errorMessage")})
    if not checks:
        sys.stderr.write("".join(log))
    print(json.dumps({"issuer": authorize, "checks": checks}))


if __name__ == "__main__":
    main()
