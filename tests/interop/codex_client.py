"""Codex CLI as a person sets it up for an MCP server with OAuth, in a
throwaway CODEX_HOME whose config.toml keeps credentials in a file and turns
update checks and analytics off:

    codex mcp add interop --url MCP_URL    (finds OAuth and logs in itself)
    codex mcp login interop                (only if the add did not log in)
    codex mcp list
    codex exec "..."                       (with TOOL_STUB_PORT: a tool call)

The browser step is browser.py through $BROWSER. Without a model API Codex
cannot call a tool; `codex exec` talks to the Responses API stand-in of
model_stub_openai.py on loopback, which asks for the `add` tool.

    python codex_client.py CODEX_BIN MCP_URL WORK_DIR

Prints one JSON line: whether a client secret was stored, whether the login
finished (an access token stored for the server, and `codex mcp list` shows
it with OAuth) and whether the tool call returned 5. Codex keeps no record of
the method it registered with: run.sh takes that from the server's record.
"""

import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from drivers import (folders, free_port, loopback_env, model_stub, runner, stub_started,  # noqa: E402
                     timed_out, tool_step)

NAME = "interop"


def main():
    codex, url, work = os.path.abspath(sys.argv[1]), sys.argv[2], os.path.abspath(sys.argv[3])
    home, project = folders(work, ".codex")
    codex_home = os.path.join(home, ".codex")
    stub_port = free_port()
    with open(os.path.join(codex_home, "config.toml"), "w") as f:
        f.write('mcp_oauth_credentials_store = "file"\n'
                "check_for_update_on_startup = false\n"
                'model = "stub"\nmodel_provider = "stub"\n'
                "[analytics]\nenabled = false\n"
                "[feedback]\nenabled = false\n"
                "[model_providers.stub]\n"
                f'name = "stub"\nbase_url = "http://127.0.0.1:{stub_port}/v1"\nwire_api = "responses"\n'
                'env_key = "INTEROP_STUB_KEY"\n'
                f"[projects.{json.dumps(project)}]\ntrust_level = \"trusted\"\n")
    env = loopback_env(home, work, drop=("CODEX_", "OPENAI_", "OTEL_"), CODEX_HOME=codex_home,
                       INTEROP_STUB_KEY="sk-interop-dummy")
    log = open(os.path.join(work, "codex.log"), "w")
    result = {"method": None, "secret": False, "login": False, "tool": False}
    run = runner(codex, "codex", project, env, log)

    def stored():
        try:
            with open(os.path.join(codex_home, ".credentials.json")) as f:
                return [v for v in json.load(f).values() if isinstance(v, dict) and v.get("server_name") == NAME]
        except (OSError, ValueError):
            return []

    record = os.path.join(work, "model-stub.jsonl")
    with model_stub("model_stub_openai.py", stub_port, record, log):
        try:
            if run("mcp", "add", NAME, "--url", url).returncode != 0 and not stored():
                result["error"] = "codex mcp add failed"
            if not any(s.get("access_token") for s in stored()):
                login = run("mcp", "login", NAME)
                if login.returncode != 0:
                    result["error"] = f"codex mcp login exited {login.returncode}: {(login.stdout + login.stderr).strip()[-200:]}"
            creds = stored()
            result["secret"] = any(bool(s.get("client_secret")) for s in creds)
            listed = run("mcp", "list").stdout
            shown = any(line.split()[:1] == [NAME] and "OAuth" in line for line in listed.splitlines())
            result["login"] = any(bool(s.get("access_token")) for s in creds) and shown
            if not result["login"]:
                result.setdefault("error", f"no token stored, or codex mcp list: {listed.strip()[-200:]}")
                return result
            if not stub_started(result, stub_port):
                return result
            # `codex exec` runs without asking: the server's tools are approved
            # for this run, as a person approves them in the interactive UI.
            run("exec", "--skip-git-repo-check", "-c", f'mcp_servers.{NAME}.default_tools_approval_mode="approve"',
                "Add 2 and 3 with the add tool.", timeout=120)
            return tool_step(result, record)
        except subprocess.TimeoutExpired as e:
            return timed_out(result, e)


if __name__ == "__main__":
    print(json.dumps(main()))
