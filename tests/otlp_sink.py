"""A trace collector for the tests: an OTLP/HTTP endpoint (``POST /v1/traces``, protobuf) in a
process of its own that writes each span it receives as one JSON line to a file.

    python -m tests.otlp_sink PORT FILE
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)


def spans_of(body: bytes):
    request = ExportTraceServiceRequest()
    request.ParseFromString(body)
    for resource_spans in request.resource_spans:
        attributes = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
        for scope_spans in resource_spans.scope_spans:
            for span in scope_spans.spans:
                yield {"service": attributes.get("service.name"), "name": span.name, "kind": span.kind,
                       "trace_id": span.trace_id.hex(), "span_id": span.span_id.hex(),
                       "parent_span_id": span.parent_span_id.hex()}


def main(port: int, path: str) -> None:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            with open(path, "a", encoding="utf-8") as out:
                out.writelines(json.dumps(span) + "\n" for span in spans_of(body))
            answer = ExportTraceServiceResponse().SerializeToString()
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
