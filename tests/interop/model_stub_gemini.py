"""A loopback stand-in for the Gemini API (models/*:generateContent and
:streamGenerateContent), which Gemini CLI talks to through
GOOGLE_GEMINI_BASE_URL, so that `gemini -p` makes a real MCP tool call
without any request leaving the machine.

    python model_stub_gemini.py PORT RECORD_FILE

Each answer is chosen from the request alone, as a scripted model would:
the MCP tool is the function declaration whose name ends in `add`; until its
functionResponse is back the answer is a functionCall of it with
{"a": 2, "b": 3}, then a text quoting the response. Requests without tools
(Gemini CLI's own side questions) get a short text. Streams server-sent
events for :streamGenerateContent. Every request and every tool response
seen is appended to RECORD_FILE as one JSON line.
"""

import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model_stub_base import StubHandler, record, serve  # noqa: E402

ADD = re.compile(r"(^|_)add$")
def tool_names(body):
    return [d.get("name") for t in body.get("tools") or [] for d in t.get("functionDeclarations") or []
            if isinstance(d, dict) and isinstance(d.get("name"), str)]


def decide(body, record_file):
    """The parts of the next model turn."""
    add = next((n for n in tool_names(body) if ADD.search(n)), None)
    if add is None:
        return [{"text": "ok" if not tool_names(body) else "no add tool offered"}]
    for content in body.get("contents") or []:
        for part in content.get("parts") or []:
            answer = part.get("functionResponse") if isinstance(part, dict) else None
            if answer and answer.get("name") == add:
                response = answer.get("response") or {}
                text = response.get("output") if isinstance(response.get("output"), str) else json.dumps(response)
                is_error = "error" in response
                record(record_file, {"tool_result": add, "text": text, "is_error": is_error, "response": response})
                return [{"text": f"The tool answered: {text}"}]
    return [{"functionCall": {"name": add, "args": {"a": 2, "b": 3}}}]


class Handler(StubHandler):
    NOT_FOUND = b'{"error": {"code": 404, "message": "stub", "status": "NOT_FOUND"}}'

    def do_POST(self):
        body = self.read_json()
        path = self.path.split("?")[0]
        entry = {"method": "POST", "path": self.path, "tools": tool_names(body)}
        if path.endswith(":countTokens"):
            self.record(entry)
            return self.send(200, "application/json", b'{"totalTokens": 1}')
        if not path.endswith((":generateContent", ":streamGenerateContent")):
            self.record(entry)
            return self.not_found()
        parts = decide(body, self.server.record_file)
        entry["answer"] = [next(iter(p)) for p in parts]
        self.record(entry)
        chunk = {"candidates": [{"content": {"role": "model", "parts": parts}, "finishReason": "STOP", "index": 0}],
                 "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1, "totalTokenCount": 2},
                 "modelVersion": "stub"}
        if path.endswith(":streamGenerateContent"):
            return self.send(200, "text/event-stream", f"data: {json.dumps(chunk)}\r\n\r\n".encode())
        self.send(200, "application/json", json.dumps(chunk).encode())


if __name__ == "__main__":
    serve(Handler)
