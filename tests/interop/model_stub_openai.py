"""A loopback stand-in for the OpenAI Responses API (POST /v1/responses),
which Codex CLI talks to through a model provider whose base_url is here,
so that `codex exec` makes a real MCP tool call without any request leaving
the machine.

    python model_stub_openai.py PORT RECORD_FILE

Each answer is chosen from the request alone, as a scripted model would:
the MCP tool is the function tool whose name ends in `add` (Codex names it
after the server and the tool); until its output is back the answer is a
`function_call` of it with {"a": 2, "b": 3}, then a text quoting the output.
Streams server-sent events when asked to, plain JSON otherwise. Every
request and every tool output seen is appended to RECORD_FILE as one line.
"""

import json
import os
import re
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_stub_base import StubHandler, record, serve, sse  # noqa: E402

ADD = re.compile(r"^(?:mcp__)?[A-Za-z0-9_-]*?(?:__|\.|-)?add$")
def tool_names(body):
    names = []
    for tool in body.get("tools") or []:
        names.append(tool.get("name") or (tool.get("function") or {}).get("name"))
        # a namespace of tools (as Codex groups an MCP server's tools)
        names.extend(t.get("name") for t in tool.get("tools") or [] if isinstance(t, dict))
    return [n for n in names if isinstance(n, str)]


def output_text(output):
    if isinstance(output, str):
        return output
    if isinstance(output, dict):
        output = output.get("content") or output.get("output") or []
    return "".join(c.get("text", "") for c in output or [] if isinstance(c, dict))


def decide(body, record_file):
    """The output items of the next response."""
    add = next((n for n in tool_names(body) if ADD.match(n) and n != "add"), None)
    if add is None:
        add = next((n for n in tool_names(body) if n == "add"), None)
    calls = {}
    for item in body.get("input") or []:
        if not isinstance(item, dict):
            continue
        if item.get("type") == "function_call":
            calls[item.get("call_id")] = item.get("name")
        elif item.get("type") == "function_call_output" and calls.get(item.get("call_id")) == add:
            text = output_text(item.get("output"))
            record(record_file, {"tool_result": add, "text": text, "is_error": False})
            return [message(f"The tool answered: {text}")]
    if add is None:
        return [message("no add tool offered")]
    call = {"type": "function_call", "id": f"fc_{uuid.uuid4().hex[:20]}", "call_id": f"call_{uuid.uuid4().hex[:20]}",
            "name": add, "arguments": json.dumps({"a": 2, "b": 3}), "status": "completed"}
    namespace = next((t.get("name") for t in body.get("tools") or []
                      if any(isinstance(s, dict) and s.get("name") == add for s in t.get("tools") or [])), None)
    if namespace:
        call["namespace"] = namespace
    return [call]


def message(text):
    return {"type": "message", "id": f"msg_{uuid.uuid4().hex[:20]}", "role": "assistant", "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": []}]}


class Handler(StubHandler):
    NOT_FOUND = b'{"error": {"message": "stub", "type": "not_found"}}'

    def do_GET(self):
        if not self.path.split("?")[0].endswith("/models"):
            return super().do_GET()
        self.record({"method": "GET", "path": self.path})
        self.send(200, "application/json", b'{"object": "list", "data": [], "models": []}')

    def do_POST(self):
        body = self.read_json()
        entry = {"method": "POST", "path": self.path, "model": body.get("model"), "stream": body.get("stream"),
                 "tools": tool_names(body)}
        if not self.path.split("?")[0].endswith("/responses"):
            self.record(entry)
            return self.not_found()
        output = decide(body, self.server.record_file)
        entry["answer"] = [o.get("name") or o["type"] for o in output]
        self.record(entry)
        response = {"id": f"resp_{uuid.uuid4().hex[:20]}", "object": "response", "status": "completed",
                    "model": body.get("model") or "stub", "output": output,
                    "usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2,
                              "input_tokens_details": {"cached_tokens": 0},
                              "output_tokens_details": {"reasoning_tokens": 0}}}
        if not body.get("stream"):
            return self.send(200, "application/json", json.dumps(response).encode())
        created = dict(response, status="in_progress", output=[])
        events = [("response.created", {"type": "response.created", "response": created})]
        for i, item in enumerate(output):
            events.append(("response.output_item.added", {"type": "response.output_item.added", "output_index": i, "item": item}))
            events.append(("response.output_item.done", {"type": "response.output_item.done", "output_index": i, "item": item}))
        events.append(("response.completed", {"type": "response.completed", "response": response}))
        self.send(200, "text/event-stream", sse(events))


if __name__ == "__main__":
    serve(Handler)
