#!/usr/bin/python3
"""A real HTTP receiver for webhook and SMS tests. Every POST is stored as JSON in DIR with its path,
headers and body. Webhooks (/webhook...) are checked as Standard Webhooks do: the signature over
"id.timestamp.body" with the secret (whsec_ base64), a timestamp within 5 minutes; a bad signature
answers 401. /status/NNN answers NNN. Prints the port it listens on, then serves until killed.

usage: http_sink.py --dir DIR --secret whsec_... [--port PORT]
"""
import argparse, base64, hashlib, hmac, json, os, signal, threading, time, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def verify(secret, headers, body):
    key = base64.b64decode(secret[len("whsec_"):]) if secret.startswith("whsec_") else secret.encode()
    webhook_id = headers.get("webhook-id", "")
    timestamp = headers.get("webhook-timestamp", "")
    signed = ("%s.%s." % (webhook_id, timestamp)).encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    given = [part.split(",", 1)[1] for part in headers.get("webhook-signature", "").split(" ") if part.startswith("v1,")]
    return any(hmac.compare_digest(expected, signature) for signature in given)


def make_handler(folder, secret):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            status = 200
            record = {"path": self.path, "headers": headers, "body": body.decode("utf-8", "replace")}
            if self.path.startswith("/webhook"):
                record["signature_valid"] = verify(secret, headers, body)
                status = 204 if record["signature_valid"] else 401
            elif self.path.startswith("/status/"):
                status = int(self.path.split("/")[2])
            name = uuid.uuid4().hex
            temporary = os.path.join(folder, name + ".tmp")
            with open(temporary, "w") as file:
                json.dump(record, file)
            os.rename(temporary, os.path.join(folder, name + ".json"))
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *arguments):
            pass

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--port", type=int, default=0)
    arguments = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", arguments.port), make_handler(arguments.dir, arguments.secret))
    print(server.server_address[1], flush=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    server.serve_forever()


if __name__ == "__main__":
    main()
