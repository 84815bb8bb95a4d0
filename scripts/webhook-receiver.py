#!/usr/bin/env python3
"""A reference receiver for OneGo's department webhooks (Standard Webhooks 1.0), to copy.

It verifies each delivery's signature with the endpoint's secret (or either secret while one
rotates), refuses timestamps more than five minutes off, de-duplicates by webhook-id (also across
restarts: the log is read back on start), and appends what it accepted to a JSON Lines log (a
repeat is logged with "duplicate": true and not processed again). Only the Python standard library.

    scripts/webhook-receiver.py --secret whsec_... --port 9000 --log received.jsonl

The options after --log misbehave on purpose, for OneGo's own fault tests.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE_SECONDS = 5 * 60
MAX_BODY = 64 * 1024


def verify(secrets, headers, body, now=None):
    """Returns None when the delivery is authentic and fresh, else why it is refused."""
    msg_id = headers.get("webhook-id")
    stamp = headers.get("webhook-timestamp")
    signatures = headers.get("webhook-signature")
    if not msg_id or not stamp or not signatures:
        return "missing webhook-id, webhook-timestamp or webhook-signature"
    try:
        sent = int(stamp)
    except ValueError:
        return "webhook-timestamp is not a number"
    if abs((now if now is not None else time.time()) - sent) > TOLERANCE_SECONDS:
        return "webhook-timestamp is more than five minutes off"
    signed = f"{msg_id}.{sent}.".encode() + body
    for secret in secrets:
        key = base64.b64decode(secret.removeprefix("whsec_"))
        expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
        for candidate in signatures.split(" "):
            version, _, value = candidate.partition(",")
            if version == "v1" and hmac.compare_digest(value, expected):
                return None
    return "no valid signature"


class Receiver:
    def __init__(self, options):
        self.options = options
        self.lock = threading.Lock()
        self.seen = set()
        self.requests = 0
        if options.log and os.path.exists(options.log):
            with open(options.log) as log:
                for line in log:
                    if line.strip():
                        self.seen.add(json.loads(line)["webhook_id"])
        self.delay = options.delay_ms / 1000

    def record(self, entry):
        if self.options.log:
            with open(self.options.log, "a") as log:
                log.write(json.dumps(entry, ensure_ascii=False) + "\n")
                log.flush()
                os.fsync(log.fileno())

    def handle(self, headers, body):
        """(status, reason) for one delivery."""
        with self.lock:
            self.requests += 1
            count = self.requests
        if self.options.hang:
            time.sleep(3600)
        if self.delay:
            time.sleep(self.delay)
        if count <= self.options.fail_first:
            return 500, "failing on purpose"
        if self.options.status:
            return self.options.status, "answering on purpose"
        refusal = verify(self.options.secret, headers, body)
        if refusal:
            print(f"refused: {refusal}", file=sys.stderr, flush=True)
            return 401, refusal
        msg_id = headers["webhook-id"]
        with self.lock:
            event = json.loads(body)
            duplicate = msg_id in self.seen
            self.record({
                "webhook_id": msg_id,
                "duplicate": duplicate,
                "type": event["type"],
                "subcase": event["data"]["subcase"],
                "sequence": event["data"]["sequence"],
                "event_at": event["timestamp"],
                "received_at_ms": int(time.time() * 1000),
            })
            self.seen.add(msg_id)
        return 200, "duplicate" if duplicate else "ok"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--secret", action="append", default=[], help="whsec_… (repeat while rotating)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0: any free port (printed)")
    parser.add_argument(
        "--socket-on-stdin",
        action="store_true",
        help="listen on the bound socket given as standard input (socket activation), not on --host/--port",
    )
    parser.add_argument("--log", help="append accepted deliveries here (JSON Lines)")
    parser.add_argument("--fail-first", type=int, default=0, help="answer 500 to the first N requests")
    parser.add_argument("--status", type=int, help="answer every request with this status")
    parser.add_argument("--hang", action="store_true", help="never answer")
    parser.add_argument("--delay-ms", type=int, default=0, help="answer each request this much later")
    options = parser.parse_args()
    options.secret += [s for s in os.environ.get("ONEGO_WEBHOOK_SECRET", "").split() if s]
    if not options.secret and not options.status and not options.hang:
        parser.error("give the endpoint's secret: --secret whsec_… or $ONEGO_WEBHOOK_SECRET")
    receiver = Receiver(options)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            length = int(self.headers.get("content-length") or 0)
            if length > MAX_BODY:
                self.answer(413, "too large")
                return
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            status, reason = receiver.handle(headers, body)
            self.answer(status, reason)

        def answer(self, status, reason):
            payload = json.dumps({"status": reason}).encode()
            self.send_response(status)
            self.send_header("content-type", "application/json")
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args):
            pass

    class Server(ThreadingHTTPServer):
        daemon_threads = True

        def handle_error(self, request, client_address):
            # A sender that went away mid-request (OneGo restarted): it will send again.
            if not isinstance(sys.exc_info()[1], (ConnectionResetError, BrokenPipeError)):
                super().handle_error(request, client_address)

    if options.socket_on_stdin:
        # The port stays bound from before this process to after it: no other socket can be
        # given it in between, as it could if it were let go and bound again.
        server = Server((options.host, options.port), Handler, bind_and_activate=False)
        server.socket.close()
        try:
            server.socket = socket.socket(fileno=0)
        except OSError:
            parser.error("--socket-on-stdin: standard input is not a socket (give a bound TCP socket as stdin)")
        server.server_address = server.socket.getsockname()
        server.server_activate()
    else:
        server = Server((options.host, options.port), Handler)
    print(f"listening on {server.server_address[1]}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
