"""What the client drivers share: a pseudo-terminal that can answer prompts,
a throwaway environment that keeps every request on the machine, and the
browser step (browser.py) as the client expects to find it, the loopback
model stand-in a client calls the tool through, and the checks of its result.

    from drivers import on_terminal, loopback_env, free_port, wait_port
"""

import contextlib
import json
import os
import pty
import re
import select
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
BROWSER = os.path.join(HERE, "browser.py")
CLOSED_PORT = "http://127.0.0.1:9"
ANSI = re.compile(r"\x1b\][^\x07]*\x07|\x1b\[[0-9;?]*[A-Za-z]")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, deadline=30):
    end = time.time() + deadline
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


def loopback_env(home, work, drop=(), **extra):
    """The environment of a client run: HOME (and the XDG folders, TMPDIR)
    inside WORK, no display, HTTP(S)_PROXY at a closed loopback port with
    127.0.0.1 exempt, and `xdg-open` on PATH being browser.py, so a client
    that opens a browser opens the headless one and nothing else. Variables
    starting with a prefix in DROP are left out."""
    shim = os.path.join(work, "bin")
    os.makedirs(shim, exist_ok=True)
    if not os.path.exists(os.path.join(shim, "xdg-open")):
        os.symlink(BROWSER, os.path.join(shim, "xdg-open"))
    tmp = os.path.join(work, "tmp")
    os.makedirs(tmp, exist_ok=True)
    keep = {k: v for k, v in os.environ.items()
            if not k.startswith(tuple(drop)) and k not in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_CURRENT_DESKTOP")}
    return dict(keep, HOME=home, TMPDIR=tmp, BROWSER=BROWSER, PATH=shim + os.pathsep + os.environ.get("PATH", ""),
                XDG_CONFIG_HOME=os.path.join(home, ".config"), XDG_DATA_HOME=os.path.join(home, ".local", "share"),
                XDG_CACHE_HOME=os.path.join(home, ".cache"), XDG_STATE_HOME=os.path.join(home, ".local", "state"),
                HTTP_PROXY=CLOSED_PORT, HTTPS_PROXY=CLOSED_PORT, http_proxy=CLOSED_PORT, https_proxy=CLOSED_PORT,
                ALL_PROXY=CLOSED_PORT, all_proxy=CLOSED_PORT,
                NO_PROXY="127.0.0.1,localhost", no_proxy="127.0.0.1,localhost", TERM="xterm", **extra)


def follow(url):
    """The browser step for a URL a client printed instead of opening."""
    return subprocess.Popen([sys.executable, BROWSER, url], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def on_terminal(argv, env, cwd, deadline, answers=()):
    """Runs argv on a pseudo-terminal; its exit code (None if it was killed
    at the deadline) and what it printed, without terminal escapes. ANSWERS
    are (pattern, text) pairs: once the output matches the first pattern its
    text is typed, then the next pair is waited for."""
    pid, fd = pty.fork()
    if pid == 0:
        try:
            os.chdir(cwd)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    out, end, code, pending = b"", time.time() + deadline, None, list(answers)
    while code is None and time.time() < end:
        ready, _, _ = select.select([fd], [], [], 0.5)
        if ready:
            try:
                data = os.read(fd, 65536)
            except OSError:  # the terminal closed: the process is ending
                data = b""
            out += data
            if pending and re.search(pending[0][0], ANSI.sub("", out.decode(errors="replace"))):
                os.write(fd, pending.pop(0)[1].encode())
            if data:
                continue
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
    if code is None:
        os.kill(pid, signal.SIGKILL)
        os.waitpid(pid, 0)
    os.close(fd)
    return code, ANSI.sub("", out.decode(errors="replace"))


def folders(work, *inside_home):
    """HOME and the project folder of a client run inside WORK, created,
    with the folders INSIDE_HOME (e.g. ".codex") created in HOME."""
    home, project = os.path.join(work, "home"), os.path.join(work, "project")
    for folder in (os.path.join(home, *inside_home), project):
        os.makedirs(folder, exist_ok=True)
    return home, project


def runner(binary, name, cwd, env, log, timeout=90):
    """A function that runs BINARY with its arguments in CWD without a
    terminal, writes the command and what it printed to LOG as `$ NAME ...`,
    and returns the finished process."""
    def run(*args, timeout=timeout):
        p = subprocess.run([binary, *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                           capture_output=True, text=True, timeout=timeout)
        log.write(f"$ {name} {' '.join(args)}\n{p.stdout}{p.stderr}exit {p.returncode}\n")
        return p
    return run


@contextlib.contextmanager
def model_stub(script, port, record, log):
    """The loopback model stand-in SCRIPT (model_stub*.py) serving on PORT
    and appending what it sees to RECORD, for as long as the block runs."""
    stub = subprocess.Popen([sys.executable, os.path.join(HERE, script), str(port), record], stdout=log, stderr=log)
    try:
        yield stub
    finally:
        stub.terminate()
        stub.wait(timeout=10)


def stub_started(result, port):
    """Whether the stand-in listens on PORT; if not, RESULT says so."""
    if wait_port(port):
        return True
    result["error"] = "the model stand-in did not start"
    return False


def codex_output(text):
    """Codex wraps an MCP result as "Wall time: ...\nOutput:\n<the tool's
    content>": the content, without spaces."""
    return text.rsplit("Output:", 1)[-1].replace(" ", "").strip()


def tool_answered(record, is_five=lambda text: codex_output(text) in ("5", '{"result":5}')):
    """Whether the stand-in saw a tool result (not an error) whose text
    IS_FIVE accepts, and every result it saw."""
    try:
        with open(record) as f:
            answers = [json.loads(line) for line in f if '"tool_result"' in line]
    except OSError:
        answers = []
    ok = any(not a.get("is_error") and is_five(a.get("text", "")) for a in answers)
    return ok, answers


def tool_step(result, record, **is_five):
    """Sets RESULT["tool"] from the record of the stand-in (tool_answered),
    and RESULT["error"] when no 5 reached it; returns RESULT."""
    result["tool"], answers = tool_answered(record, **is_five)
    if not result["tool"]:
        result["error"] = f"no tool result of 5 reached the model: {answers}"
    return result


def timed_out(result, error):
    """RESULT with the step that timed out (a subprocess.TimeoutExpired)."""
    result["error"] = f"timed out: {error.cmd[1:3]}"
    return result
