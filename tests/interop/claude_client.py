"""Claude Code as a person sets it up for an MCP server with OAuth, in a
throwaway HOME whose config has the onboarding and trust prompts answered:

    claude mcp add --transport http interop MCP_URL
    claude mcp login interop        (on a pseudo-terminal; it refuses a pipe)
    claude mcp list
    claude -p "..." --allowedTools mcp__interop__add

The login's browser step is browser.py through $BROWSER. `claude -p` talks to
model_stub.py, a loopback stand-in for the model API (ANTHROPIC_BASE_URL),
which has Claude Code load the tool through its tool search and call it.
Nothing leaves the machine: telemetry, auto-update and nonessential traffic
are off, the API key is a dummy, and HTTP(S)_PROXY points at a closed
loopback port for anything not on 127.0.0.1.

    python claude_client.py CLAUDE_BIN MCP_URL WORK_DIR

Prints one JSON line: whether a client secret was stored, whether the login
finished (and `claude mcp list` shows the server connected) and whether the
tool call returned 5. Claude Code keeps no record of the method it
registered with: run.sh takes that from the server's registration record.
"""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from drivers import (CLOSED_PORT, HERE, folders, free_port, model_stub, on_terminal,  # noqa: E402
                     runner, stub_started, timed_out, tool_step)

NAME = "interop"
TOOL = f"mcp__{NAME}__add"


def environment(home, stub_url):
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(("ANTHROPIC_", "CLAUDE", "OTEL_", "MCP_"))
            and k not in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_CURRENT_DESKTOP")}
    return dict(keep, HOME=home, BROWSER=os.path.join(HERE, "browser.py"),
                ANTHROPIC_BASE_URL=stub_url, ANTHROPIC_API_KEY="sk-ant-interop-dummy",
                DISABLE_TELEMETRY="1", DISABLE_AUTOUPDATER="1", DISABLE_ERROR_REPORTING="1",
                DISABLE_BUG_COMMAND="1", CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC="1",
                HTTP_PROXY=CLOSED_PORT, HTTPS_PROXY=CLOSED_PORT, http_proxy=CLOSED_PORT,
                https_proxy=CLOSED_PORT, NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost",
                TERM="xterm")


def is_five(text):
    """Claude Code hands the model an MCP result as it came."""
    return text.strip() == "5" or text.replace(" ", "") == '{"result":5}'


def main():
    claude, url, work = os.path.abspath(sys.argv[1]), sys.argv[2], os.path.abspath(sys.argv[3])
    home, project = folders(work)
    with open(os.path.join(home, ".claude.json"), "w") as f:
        json.dump({"hasCompletedOnboarding": True, "theme": "dark", "autoUpdates": False,
                   "projects": {project: {"hasTrustDialogAccepted": True,
                                          "hasCompletedProjectOnboarding": True}}}, f)
    stub_port = free_port()
    record = os.path.join(work, "model-stub.jsonl")
    env = environment(home, f"http://127.0.0.1:{stub_port}")
    log = open(os.path.join(work, "claude.log"), "w")
    result = {"method": None, "secret": False, "login": False, "tool": False}
    run = runner(claude, "claude", project, env, log, timeout=60)

    with model_stub("model_stub.py", stub_port, record, log):
        try:
            if run("mcp", "add", "--transport", "http", NAME, url).returncode != 0:
                result["error"] = "claude mcp add failed"
                return result
            code, out = on_terminal([claude, "mcp", "login", NAME], env, project, 90)
            log.write(f"$ claude mcp login {NAME} (on a terminal)\n{out}\nexit {code}\n")
            if code != 0 or "Authenticated" not in out:
                result["error"] = f"claude mcp login exited {code}: {out.strip()[-200:]}"
            try:
                with open(os.path.join(home, ".claude", ".credentials.json")) as f:
                    stored = [v for v in json.load(f).get("mcpOAuth", {}).values() if v.get("serverName") == NAME]
            except (OSError, ValueError):
                stored = []
            result["secret"] = any(bool(s.get("clientSecret")) for s in stored)
            logged_in = code == 0 and any(bool(s.get("accessToken")) for s in stored)
            listed = run("mcp", "list").stdout
            connected = any(line.startswith(f"{NAME}:") and "Connected" in line for line in listed.splitlines())
            if logged_in and not connected:
                result["error"] = f"claude mcp list: {listed.strip()[-200:]}"
            result["login"] = logged_in and connected
            if not stub_started(result, stub_port):
                return result
            run("-p", "Add 2 and 3 with the add tool.", "--allowedTools", TOOL, timeout=120)
            return tool_step(result, record, is_five=is_five)
        except subprocess.TimeoutExpired as e:
            return timed_out(result, e)


if __name__ == "__main__":
    print(json.dumps(main()))
