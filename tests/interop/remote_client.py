"""mcp-remote as desktop MCP clients run it: `mcp-remote URL` speaking MCP
over stdio, doing the OAuth login itself (its browser step done by
browser.py through $BROWSER). This script is the desktop client: it sends
initialize, tools/list and tools/call on mcp-remote's standard input.

    python remote_client.py NODE_MODULES_DIR MCP_URL CONFIG_DIR

Prints one JSON line: the method mcp-remote registered with, whether it
stored a client secret, whether the login finished and whether the tool
call worked. Every wait is bounded; mcp-remote is stopped on exit.
"""

import glob
import json
import os
import queue
import socket
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
DEADLINE = 60


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    modules, url, config = sys.argv[1], sys.argv[2], sys.argv[3]
    env = dict(os.environ, MCP_REMOTE_CONFIG_DIR=config, BROWSER=os.path.join(HERE, "browser.py"))
    for var in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_CURRENT_DESKTOP"):
        env.pop(var, None)
    proxy = os.path.join(modules, "mcp-remote", "dist", "proxy.js")
    log = open(os.path.join(config, "mcp-remote.log"), "w")
    p = subprocess.Popen(["node", proxy, url, str(free_port())], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=log, env=env, text=True)
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(l) for l in p.stdout], daemon=True).start()
    end = time.time() + DEADLINE

    def send(msg):
        p.stdin.write(json.dumps(msg) + "\n")
        p.stdin.flush()

    def answer(id_):
        while time.time() < end:
            try:
                msg = json.loads(lines.get(timeout=max(0.1, end - time.time())))
            except (queue.Empty, ValueError):
                continue
            if msg.get("id") == id_:
                return msg
        return None

    result = {"method": None, "secret": False, "login": False, "tool": False}
    try:
        send({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {},
            "clientInfo": {"name": "interop desktop client", "version": "1.0"}}})
        init = answer(1)
        if init and "result" in init:
            send({"jsonrpc": "2.0", "method": "notifications/initialized"})
            send({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                  "params": {"name": "add", "arguments": {"a": 2, "b": 3}}})
            out = answer(2) or {}
            text = "".join(c.get("text", "") for c in out.get("result", {}).get("content", []))
            result["tool"] = text.strip() == "5"
        else:
            result["error"] = f"no initialize answer: {init}"
    finally:
        try:
            p.stdin.close()
            p.wait(timeout=10)
        except Exception:  # noqa: BLE001
            p.kill()
            p.wait()
    for path in glob.glob(os.path.join(config, "**", "*client_info.json"), recursive=True):
        info = json.load(open(path))
        result["method"] = info.get("token_endpoint_auth_method")
        result["secret"] = bool(info.get("client_secret"))
    result["login"] = bool(glob.glob(os.path.join(config, "**", "*tokens.json"), recursive=True))
    print(json.dumps(result))


if __name__ == "__main__":
    main()
