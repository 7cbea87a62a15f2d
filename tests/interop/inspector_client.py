"""The MCP Inspector's CLI as a person runs it against an OAuth server:

    mcp-inspector --cli MCP_URL --transport http --method tools/call \
        --tool-name add --tool-arg a=2 b=3 --callback-url http://127.0.0.1:PORT/oauth/callback

in a throwaway HOME, its OAuth done without a terminal because it is told to
open the browser (MCP_AUTO_OPEN_ENABLED=true), the browser being browser.py
through $BROWSER; secrets in its file store so that what it kept can be read.
(It contacts only the server it is given; HTTP(S)_PROXY is not set for it, as
its HTTP client on Node 20 fails when one is.)

    python inspector_client.py NODE_MODULES_DIR MCP_URL WORK_DIR

Prints one JSON line: the method it registered with, whether it stored a
client secret, whether it stored tokens and whether the tool call gave 5.
"""

import glob
import json
import os
import socket
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    modules, url, work = os.path.abspath(sys.argv[1]), sys.argv[2], os.path.abspath(sys.argv[3])
    os.makedirs(work, exist_ok=True)
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MCP_") and k not in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_CURRENT_DESKTOP")}
    env.update(HOME=work, BROWSER=os.path.join(HERE, "browser.py"), MCP_AUTO_OPEN_ENABLED="true",
               MCP_INSPECTOR_SECRET_STORE="file")
    callback = f"http://127.0.0.1:{free_port()}/oauth/callback"
    result = {"method": None, "secret": False, "login": False, "tool": False}
    try:
        p = subprocess.run(["node", os.path.join(modules, ".bin", "mcp-inspector"), "--cli", url,
                            "--transport", "http", "--method", "tools/call", "--tool-name", "add",
                            "--tool-arg", "a=2", "b=3", "--callback-url", callback],
                           cwd=work, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=90)
        with open(os.path.join(work, "inspector.log"), "w") as log:
            log.write(f"{p.stdout}\n{p.stderr}\nexit {p.returncode}\n")
        try:
            out = json.loads(p.stdout)
            text = "".join(c.get("text", "") for c in out.get("content", []))
            result["tool"] = p.returncode == 0 and not out.get("isError") and text.strip() == "5"
        except ValueError:
            result["error"] = f"exit {p.returncode}: {(p.stdout + p.stderr).strip()[-200:]}"
    except subprocess.TimeoutExpired:
        result["error"] = "timed out"
    for path in glob.glob(os.path.join(work, ".mcp-inspector", "storage", "oauth.json")):
        with open(path) as f:
            for server in json.load(f).get("servers", {}).values():
                for issuer in server.get("byIssuer", {}).values():
                    info = issuer.get("clientInformation") or {}
                    result["method"] = info.get("token_endpoint_auth_method", result["method"])
                    result["secret"] = result["secret"] or bool(info.get("client_secret"))
    for path in glob.glob(os.path.join(work, ".mcp-inspector", "secrets.json")):
        with open(path) as f:
            secrets = json.load(f).get("secrets", {})
        result["login"] = any(":tokens:" in key and "access_token" in value for key, value in secrets.items())
        result["secret"] = result["secret"] or any("client_secret" in value for value in secrets.values())
    return result


if __name__ == "__main__":
    print(json.dumps(main()))
