#!/usr/bin/python3
"""A real payout provider for the payout tests: an HTTP API that takes signed payout requests and pays
each idempotency key once, and calls back with signed results.

A request is POST /<mode>/payouts with the JSON body Puntos sends, `Idempotency-Key`, and
X-Puntos-Caller / X-Puntos-Timestamp / X-Puntos-Signature (v1=hex HMAC-SHA256(secret,
"timestamp.POST.path.body")). A bad signature, or a key that is not the body's payout_id, answers 401.
Every request is stored as JSON in DIR/requests; each key paid once in DIR/payments/<key>.json. Modes:
  succeed   pay, answer 200 {"reference": "prv-<key>"}, and call back `succeeded`
  fail      accept, answer 200 {"reference": "prv-<key>"}, and call back `failed`
  timeout   the first request of a key: pay, but answer only after --slow seconds (the caller gives up);
            later ones answer at once with the same reference (the key was paid once), calling back `succeeded`
  status/N  answer N, pay nothing
A callback is POSTed to the body's callback_url, signed as --caller with --callback-secret, --callbacks
times (the same bytes and signature each time: a provider retrying its callback), when --caller is given;
--callback-base (scheme://host:port) replaces the callback URL's own.
Prints the port it listens on, then serves until killed.

usage: payout_provider.py --dir DIR --secret S [--caller NAME --callback-secret S2 --callbacks N] [--slow SECONDS]
"""
import argparse, hashlib, hmac, json, os, signal, threading, time, urllib.error, urllib.parse, urllib.request, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def sign(secret, timestamp, method, target, body):
    message = ("%s.%s.%s." % (timestamp, method, target)).encode() + body
    return "v1=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def store(folder, record):
    name = uuid.uuid4().hex
    temporary = os.path.join(folder, name + ".tmp")
    with open(temporary, "w") as file:
        json.dump(record, file)
    os.rename(temporary, os.path.join(folder, name + ".json"))


def call_back(arguments, url, status, reference):
    if arguments.callback_base:
        parts = urllib.parse.urlsplit(url)
        url = arguments.callback_base + parts.path + ("?" + parts.query if parts.query else "")
    body = json.dumps({"status": status, "provider_reference": reference}).encode()
    target = urllib.parse.urlsplit(url)
    path = target.path + ("?" + target.query if target.query else "")
    timestamp = str(int(time.time()))
    headers = {"Content-Type": "application/json", "X-Puntos-Caller": arguments.caller, "X-Puntos-Timestamp": timestamp,
               "X-Puntos-Signature": sign(arguments.callback_secret, timestamp, "POST", path, body)}
    for _ in range(arguments.callbacks):
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as answer:
                code, text = answer.status, answer.read().decode()
        except urllib.error.HTTPError as error:
            code, text = error.code, error.read().decode()
        except Exception as error:
            code, text = 0, str(error)
        store(os.path.join(arguments.dir, "callbacks"), {"url": url, "status": code, "answer": text})


def make_handler(arguments, lock):
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            headers = {name.lower(): value for name, value in self.headers.items()}
            expected = sign(arguments.secret, headers.get("x-puntos-timestamp", ""), "POST", self.path, body)
            valid = hmac.compare_digest(expected, headers.get("x-puntos-signature", ""))
            try:
                payout = json.loads(body)
            except ValueError:
                payout = {}
            key = headers.get("idempotency-key", "")
            valid = valid and key == payout.get("payout_id")
            store(os.path.join(arguments.dir, "requests"),
                  {"path": self.path, "headers": headers, "body": body.decode("utf-8", "replace"), "signature_valid": valid})
            if not valid:
                return self.answer(401, {"error": "bad signature"})
            mode = self.path.strip("/").split("/")[0]
            if mode == "status":
                return self.answer(int(self.path.strip("/").split("/")[1]), {"error": "as asked"})
            payment = os.path.join(arguments.dir, "payments", key + ".json")
            with lock:
                first = not os.path.exists(payment)
                if first:
                    with open(payment, "w") as file:
                        json.dump(payout, file)
            reference = "prv-" + key
            if mode == "timeout" and first:
                time.sleep(arguments.slow)
            self.answer(200, {"reference": reference})
            if arguments.caller and not (mode == "timeout" and first):
                status = "failed" if mode == "fail" else "succeeded"
                threading.Thread(target=call_back, args=(arguments, payout["callback_url"], status, reference)).start()

        def answer(self, status, value):
            data = json.dumps(value).encode()
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, *arguments):
            pass

    return Handler


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", required=True)
    parser.add_argument("--secret", required=True)
    parser.add_argument("--caller", default="")
    parser.add_argument("--callback-secret", default="")
    parser.add_argument("--callbacks", type=int, default=1)
    parser.add_argument("--callback-base", default="")
    parser.add_argument("--slow", type=float, default=3)
    parser.add_argument("--port", type=int, default=0)
    arguments = parser.parse_args()
    for folder in ("requests", "payments", "callbacks"):
        os.makedirs(os.path.join(arguments.dir, folder), exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", arguments.port), make_handler(arguments, threading.Lock()))
    print(server.server_address[1], flush=True)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    server.serve_forever()


if __name__ == "__main__":
    main()
