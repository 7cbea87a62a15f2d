"""A loopback stand-in for the model API (the Messages API) that Claude Code
talks to through ANTHROPIC_BASE_URL, so that `claude -p` makes a real MCP
tool call without any request leaving the machine.

    python model_stub.py PORT RECORD_FILE

Each answer is chosen from the request alone, as a scripted model would:
- the MCP tool is found by name (`mcp__<server>__add`) in what Claude Code
  sends (its tool list, or the list of deferred tools in a system message);
- while that tool is deferred (its schema not loaded), the answer is a
  `tool_use` of Claude Code's tool-search tool selecting it by name;
- once loaded, a `tool_use` of the tool with {"a": 2, "b": 3};
- once its `tool_result` is back, a text answer quoting it.
Requests without tools (titles, summaries) get a short text. Streams when
asked to (server-sent events), plain JSON otherwise. Every request and every
tool result seen is appended to RECORD_FILE as one JSON line.
"""

import json
import os
import re
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_stub_base import StubHandler, record, serve, sse  # noqa: E402

TOOL_SEARCH = "ToolSearch"
ADD = re.compile(r"mcp__[A-Za-z0-9_-]+?__add\b")
def blocks(message):
    content = message.get("content")
    return content if isinstance(content, list) else []


def result_text(block):
    content = block.get("content")
    if isinstance(content, str):
        return content
    return "".join(c.get("text", "") for c in content or [] if isinstance(c, dict))


def decide(body, record_file):
    """The content blocks and stop reason of the next assistant message."""
    tools = [t.get("name") for t in body.get("tools") or []]
    if not tools:
        return [{"type": "text", "text": "ok"}], "end_turn"
    found = ADD.search(json.dumps(body))
    if not found:
        return [{"type": "text", "text": "no add tool offered"}], "end_turn"
    add = found.group(0)
    uses = {}
    searched = False
    for message in body.get("messages", []):
        for block in blocks(message):
            if block.get("type") == "tool_use":
                uses[block.get("id")] = block.get("name")
            elif block.get("type") == "tool_result":
                name = uses.get(block.get("tool_use_id"))
                if name == add:
                    text = result_text(block)
                    record(record_file, {"tool_result": add, "text": text, "is_error": bool(block.get("is_error"))})
                    return [{"type": "text", "text": f"The tool answered: {text}"}], "end_turn"
                if name == TOOL_SEARCH:
                    searched = True
    if add in tools or searched or TOOL_SEARCH not in tools:
        return [tool_use(add, {"a": 2, "b": 3})], "tool_use"
    return [tool_use(TOOL_SEARCH, {"query": f"select:{add}", "max_results": 1})], "tool_use"


def tool_use(name, arguments):
    return {"type": "tool_use", "id": f"toolu_{uuid.uuid4().hex[:20]}", "name": name, "input": arguments}


def events(message):
    """The server-sent events of one streamed message."""
    start = dict(message, content=[], stop_reason=None)
    yield "message_start", {"type": "message_start", "message": start}
    for i, block in enumerate(message["content"]):
        if block["type"] == "text":
            yield "content_block_start", {"type": "content_block_start", "index": i,
                                          "content_block": {"type": "text", "text": ""}}
            delta = {"type": "text_delta", "text": block["text"]}
        else:
            yield "content_block_start", {"type": "content_block_start", "index": i,
                                          "content_block": dict(block, input={})}
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        yield "content_block_delta", {"type": "content_block_delta", "index": i, "delta": delta}
        yield "content_block_stop", {"type": "content_block_stop", "index": i}
    yield "message_delta", {"type": "message_delta", "usage": {"output_tokens": 1},
                            "delta": {"stop_reason": message["stop_reason"], "stop_sequence": None}}
    yield "message_stop", {"type": "message_stop"}


class Handler(StubHandler):
    NOT_FOUND = b'{"type":"error","error":{"type":"not_found_error","message":"stub"}}'

    def do_POST(self):
        body = self.read_json()
        path = self.path.split("?")[0]
        entry = {"method": "POST", "path": self.path, "model": body.get("model"), "stream": body.get("stream"),
                 "tools": [t.get("name") for t in body.get("tools") or []]}
        if path.endswith("/count_tokens"):
            self.record(entry)
            return self.send(200, "application/json", b'{"input_tokens": 1}')
        if not path.endswith("/v1/messages"):
            self.record(entry)
            return self.not_found()
        content, stop = decide(body, self.server.record_file)
        entry["answer"] = [b.get("name") or "text" for b in content]
        self.record(entry)
        message = {"id": f"msg_{uuid.uuid4().hex[:20]}", "type": "message", "role": "assistant",
                   "model": body.get("model") or "stub", "content": content, "stop_reason": stop,
                   "stop_sequence": None, "usage": {"input_tokens": 1, "output_tokens": 1}}
        if not body.get("stream"):
            return self.send(200, "application/json", json.dumps(message).encode())
        self.send(200, "text/event-stream", sse(events(message)))


if __name__ == "__main__":
    serve(Handler)
