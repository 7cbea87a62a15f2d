"""opencode as a person sets it up for an MCP server with OAuth, in a
throwaway HOME, with the server in the project's opencode.json and
auto-update, sharing and the models.dev fetch off:

    opencode mcp auth interop
    opencode mcp list
    opencode run "..."

The browser step is browser.py, found as `xdg-open`. opencode's callback
port is fixed (19876): two of these runs cannot overlap. `opencode run`
talks to model_stub_openai.py, a loopback stand-in for the OpenAI Responses
API (the `openai` provider's baseURL), which has it call the tool.

    python opencode_client.py OPENCODE_BIN MCP_URL WORK_DIR

Prints one JSON line: whether a client secret was stored, whether the login
finished (a token stored in mcp-auth.json and `opencode mcp list` shows the
server connected) and whether the tool call returned 5. opencode keeps no
record of the method: run.sh takes it from the server's registration record.
"""

import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from drivers import (ANSI, folders, free_port, loopback_env, model_stub, runner, stub_started,  # noqa: E402
                     timed_out, tool_step)

NAME = "interop"


def main():
    opencode, url, work = os.path.abspath(sys.argv[1]), sys.argv[2], os.path.abspath(sys.argv[3])
    home, project = folders(work)
    stub_port = free_port()
    with open(os.path.join(project, "opencode.json"), "w") as f:
        json.dump({"autoupdate": False, "share": "disabled", "model": "openai/gpt-5",
                   "provider": {"openai": {"options": {"baseURL": f"http://127.0.0.1:{stub_port}/v1",
                                                       "apiKey": "sk-interop-dummy"}}},
                   "permission": {"*": "allow"},
                   "mcp": {NAME: {"type": "remote", "url": url, "enabled": True}}}, f)
    env = loopback_env(home, work, drop=("OPENCODE_", "OPENAI_", "ANTHROPIC_", "OTEL_"),
                       OPENCODE_DISABLE_AUTOUPDATE="1", OPENCODE_DISABLE_SHARE="1", OPENCODE_DISABLE_MODELS_FETCH="1",
                       OPENCODE_DISABLE_LSP_DOWNLOAD="1", OPENCODE_DISABLE_DEFAULT_PLUGINS="1",
                       OPENCODE_DISABLE_CLAUDE_CODE="1", PWD=project)  # opencode takes its folder from $PWD
    log = open(os.path.join(work, "opencode.log"), "w")
    result = {"method": None, "secret": False, "login": False, "tool": False}
    run_opencode = runner(opencode, "opencode", project, env, log)

    def run(*args, **timeout):
        p = run_opencode(*args, **timeout)
        return p.returncode, ANSI.sub("", p.stdout + p.stderr)

    record = os.path.join(work, "model-stub.jsonl")
    with model_stub("model_stub_openai.py", stub_port, record, log):
        try:
            code, out = run("mcp", "auth", NAME)
            if code != 0 or "Authentication successful" not in out:
                result["error"] = f"opencode mcp auth exited {code}: {out.strip()[-200:]}"
            try:
                with open(os.path.join(home, ".local", "share", "opencode", "mcp-auth.json")) as f:
                    stored = json.load(f).get(NAME) or {}
            except (OSError, ValueError, AttributeError):
                stored = {}
            result["secret"] = bool((stored.get("clientInfo") or {}).get("clientSecret"))
            _, listed = run("mcp", "list")
            connected = re.search(rf"\b{NAME} connected\b", listed) is not None
            result["login"] = bool((stored.get("tokens") or {}).get("accessToken")) and connected
            if not result["login"]:
                result.setdefault("error", f"no token stored, or opencode mcp list: {listed.strip()[-200:]}")
                return result
            if not stub_started(result, stub_port):
                return result
            run("run", "Add 2 and 3 with the add tool.", timeout=120)
            return tool_step(result, record)
        except subprocess.TimeoutExpired as e:
            return timed_out(result, e)


if __name__ == "__main__":
    print(json.dumps(main()))
