"""fast-agent as a person sets it up for an MCP server with OAuth, in a
throwaway HOME, with the server in the project's fastagent.config.yaml and
its OAuth store in a plain-text file keyring (keyrings.alt), since the
machine has no desktop keyring:

    fast-agent auth mcp login interop
    fast-agent go --servers interop --model passthrough \\
        --message '***CALL_TOOL interop__add {"a": 2, "b": 3}'

fast-agent prints the authorization URL rather than opening a browser here
(no display); this script watches its output and does the browser step with
browser.py. The `passthrough` model calls the tool without any model API.

    python fastagent_client.py FAST_AGENT_BIN MCP_URL WORK_DIR

Prints one JSON line: the method fast-agent registered with and whether it
stored a client secret (both from its keyring), whether the login finished
(tokens stored) and whether the tool call returned 5.
"""

import base64
import configparser
import json
import os
import re
import subprocess
import sys
import threading

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from drivers import folders, follow, loopback_env, timed_out  # noqa: E402

NAME = "interop"
URL = re.compile(r"(https?://\S+/authorize\?\S+)")


def keyring_entries(home):
    """What fast-agent stored: {"client_info": ..., "tokens": ...} of the
    last server in its keyring (values are base64 of JSON)."""
    found = {}
    parser = configparser.RawConfigParser()
    parser.read(os.path.join(home, ".local", "share", "python_keyring", "keyring_pass.cfg"))
    for section in parser.sections():
        for key, value in parser.items(section):
            try:
                data = json.loads(base64.b64decode(value))
            except ValueError:
                continue
            for kind in ("client_5finfo", "tokens"):
                if key.startswith(f"oauth_3a{kind}_3a") and isinstance(data, dict):
                    found[kind.replace("_5f", "_")] = data
    return found


def main():
    fast_agent, url, work = os.path.abspath(sys.argv[1]), sys.argv[2], os.path.abspath(sys.argv[3])
    home, project = folders(work)
    with open(os.path.join(project, "fastagent.config.yaml"), "w") as f:
        f.write(f"mcp:\n  servers:\n    {NAME}:\n      transport: http\n      url: {json.dumps(url)}\n")
    env = loopback_env(home, work, drop=("FAST_AGENT", "OPENAI_", "ANTHROPIC_", "OTEL_", "PYTHON"),
                       PYTHON_KEYRING_BACKEND="keyrings.alt.file.PlaintextKeyring", COLUMNS="1000")
    log = open(os.path.join(work, "fast-agent.log"), "w")
    result = {"method": None, "secret": False, "login": False, "tool": False}
    try:
        login = subprocess.Popen([fast_agent, "auth", "mcp", "login", NAME, "--timeout", "60"], cwd=project, env=env,
                                 stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        timer = threading.Timer(90, login.kill)
        timer.start()
        browsers = []
        for line in login.stdout:
            log.write(line)
            found = URL.search(line)
            if found and not browsers:
                browsers.append(follow(found.group(1)))
        code = login.wait()
        timer.cancel()
        for b in browsers:
            b.wait(timeout=30)
        stored = keyring_entries(home)
        info = stored.get("client_info") or {}
        result["method"] = info.get("token_endpoint_auth_method")
        result["secret"] = bool(info.get("client_secret"))
        result["login"] = code == 0 and bool((stored.get("tokens") or {}).get("access_token"))
        if not result["login"]:
            result["error"] = f"fast-agent auth mcp login exited {code}"
            return result
        results = os.path.join(work, "results.json")
        call = subprocess.run([fast_agent, "go", "--servers", NAME, "--model", "passthrough", "--results", results,
                               "--message", f'***CALL_TOOL {NAME}__add {{"a": 2, "b": 3}}'], cwd=project, env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120)
        log.write(f"$ fast-agent go ...\n{call.stdout}{call.stderr}exit {call.returncode}\n")
        try:
            with open(results) as f:
                messages = json.load(f).get("messages", [])
        except (OSError, ValueError, AttributeError):
            messages = []
        outcomes = [r for m in messages for r in (m.get("tool_results") or {}).values()]
        result["tool"] = any(not r.get("isError") and any(c.get("text", "").strip() == "5" for c in r.get("content", []))
                             for r in outcomes)
        if not result["tool"]:
            result["error"] = f"no tool result of 5: {outcomes}"
        return result
    except subprocess.TimeoutExpired as e:
        return timed_out(result, e)


if __name__ == "__main__":
    print(json.dumps(main()))
