"""Gemini CLI as a person sets it up for an MCP server with OAuth, in a
throwaway HOME whose ~/.gemini/settings.json has the server (with
`oauth.enabled: true`, without which Gemini CLI never starts its OAuth, and
`trust: true`, so its tools run without a confirmation), telemetry, usage
statistics and update checks off, and the API-key sign-in chosen:

    gemini -m MODEL -p "..."    (on a pseudo-terminal, which asks for consent)

Gemini CLI logs in to the server when it starts, answered "y" on the
terminal; its browser step is browser.py, found as `xdg-open` (Gemini CLI
opens the browser with xdg-open whatever $BROWSER says). Then it talks to
model_stub_gemini.py, a loopback stand-in for the Gemini API
(GOOGLE_GEMINI_BASE_URL), which has it call the tool.

    python gemini_client.py GEMINI_JS MCP_URL WORK_DIR

Prints one JSON line: whether the login finished (an access token stored for
the server in ~/.gemini/mcp-oauth-tokens.json), whether the tool call
returned 5, and, when the login failed, the message Gemini CLI printed
("rejected": the callback's rejection, e.g. the RFC 9207 "iss" one). Gemini
CLI keeps neither the method nor a secret on disk: run.sh takes both from
the server's registration record.
"""

import json
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from drivers import folders, free_port, loopback_env, model_stub, on_terminal, stub_started, tool_step  # noqa: E402

NAME = "interop"
MODEL = "gemini-2.5-flash"  # named, so Gemini CLI asks no routing model first
REJECTED = re.compile(r"OAuth callback rejected: [^\r\n]*")


def is_five(text):
    """Gemini CLI hands the model an MCP result inside <untrusted_context>."""
    text = re.sub(r"</?untrusted_context>", "", text).replace(" ", "").strip()
    return text == "5" or '"result":5' in text


def main():
    gemini, url, work = os.path.abspath(sys.argv[1]), sys.argv[2], os.path.abspath(sys.argv[3])
    home, project = folders(work, ".gemini")
    settings = {"mcpServers": {NAME: {"httpUrl": url, "oauth": {"enabled": True}, "trust": True}},
                "telemetry": {"enabled": False}, "privacy": {"usageStatisticsEnabled": False},
                "general": {"disableAutoUpdate": True, "disableUpdateNag": True},
                "security": {"auth": {"selectedType": "gemini-api-key"}}}
    with open(os.path.join(home, ".gemini", "settings.json"), "w") as f:
        json.dump(settings, f)
    stub_port = free_port()
    record = os.path.join(work, "model-stub.jsonl")
    env = loopback_env(home, work, drop=("GEMINI_", "GOOGLE_", "OTEL_", "CI"),
                       GEMINI_API_KEY="interop-dummy", GOOGLE_GEMINI_BASE_URL=f"http://127.0.0.1:{stub_port}",
                       GEMINI_CLI_NO_RELAUNCH="true")
    log = open(os.path.join(work, "gemini.log"), "w")
    result = {"method": None, "secret": False, "login": False, "tool": False}
    with model_stub("model_stub_gemini.py", stub_port, record, log):
        if not stub_started(result, stub_port):
            return result
        argv = [shutil.which("node") or "node", gemini, "--skip-trust", "-m", MODEL,
                "-p", "Add 2 and 3 with the add tool."]
        code, out = on_terminal(argv, env, project, 150, answers=[(r"\[Y/n\]", "y\r")])
        log.write(f"$ gemini -p ... (on a terminal)\n{out}\nexit {code}\n")
        try:
            with open(os.path.join(home, ".gemini", "mcp-oauth-tokens.json")) as f:
                stored = [t for t in json.load(f) if t.get("serverName") == NAME]
        except (OSError, ValueError, AttributeError):
            stored = []
        result["login"] = any((t.get("token") or {}).get("accessToken") for t in stored)
        rejected = REJECTED.search(out)
        if rejected:
            result["rejected"] = rejected.group(0).strip()
        if not result["login"]:
            result["error"] = result.get("rejected") or f"no token stored; gemini exited {code}: {out.strip()[-300:]}"
            return result
        return tool_step(result, record, is_five=is_five)


if __name__ == "__main__":
    print(json.dumps(main()))
