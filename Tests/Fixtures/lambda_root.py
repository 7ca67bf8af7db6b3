#!/usr/bin/python3
"""Runs a Lambda zip the way provided.al2023 would, with nothing but glibc under it.

usage: lambda_root.py --zip NAME.zip --events EVENTS.json --database-url URL

An empty root directory gets glibc's shared objects, copied from this machine (the files of the
Debian package libc6: libc, libm, libdl, libpthread, librt, libresolv, the loader, gconv), an empty
/tmp and a mount of /proc (Lambda has both; glibc reads /proc/self/exe to expand $ORIGIN), and the
zip unpacked in /var/task as Lambda does. `bootstrap` then runs there, in its own mount namespace
and chroot (unshare + chroot; needs root), with a clean environment (AWS_LAMBDA_RUNTIME_API,
_HANDLER, LAMBDA_TASK_ROOT, DATABASE_URL only), against a Runtime API (2018-06-01) served here on
127.0.0.1. The Runtime API hands out EVENTS.json's events one by one, then answers `next` with 500
so that the bootstrap gives up and exits.

Prints one JSON object: exit code, stderr, the calls the bootstrap made (next, response, error,
init_error, with the bodies and error types), init_ms (process start to its first `next`) and
first_answer_ms (process start to its first answer).
"""
import argparse, json, os, shutil, subprocess, sys, tempfile, threading, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PREFIX = "/2018-06-01/runtime/"


def glibc_files():
    listed = subprocess.run(["dpkg-query", "-L", "libc6"], capture_output=True, text=True, check=True).stdout
    for path in listed.splitlines():
        name = os.path.basename(path)
        if os.path.isfile(path) and (".so" in name or "/gconv/" in path):
            yield path


def make_root(zip_path):
    root = tempfile.mkdtemp(prefix="puntos-lambda-root.")
    for path in glibc_files():
        target = root + path
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copy2(path, target, follow_symlinks=False)
    for folder in ("proc", "tmp", "var/task"):
        os.makedirs(os.path.join(root, folder), exist_ok=True)
    os.chmod(os.path.join(root, "tmp"), 0o1777)
    # unzip keeps the executable bit, as Lambda's unpacking does (Python's zipfile would not).
    subprocess.run(["unzip", "-q", zip_path, "-d", os.path.join(root, "var/task")], check=True)
    return root


class RuntimeAPI:
    def __init__(self, events):
        self.events = list(events)
        self.calls = []
        self.lock = threading.Lock()
        self.started = None
        api = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def reply(self, status, body, headers=()):
                data = json.dumps(body).encode() if not isinstance(body, bytes) else body
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for name, value in headers:
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self):
                if self.path != PREFIX + "invocation/next":
                    return self.reply(404, {"errorType": "UnknownPath"})
                with api.lock:
                    index = sum(1 for call in api.calls if call["call"] == "next")
                    api.calls.append({"call": "next", "ms": api.elapsed()})
                if index >= len(api.events):
                    return self.reply(500, {"errorType": "NoMoreEvents", "errorMessage": "the test is over"})
                deadline = int((time.time() + 30) * 1000)
                self.reply(200, json.dumps(api.events[index]).encode(), [
                    ("Lambda-Runtime-Aws-Request-Id", "req-%d" % index),
                    ("Lambda-Runtime-Deadline-Ms", str(deadline)),
                    ("Lambda-Runtime-Invoked-Function-Arn", "arn:aws:lambda:us-east-1:000000000000:function:test"),
                    ("Lambda-Runtime-Trace-Id", "Root=1-00000000-000000000000000000000000;Sampled=0"),
                ])

            def do_POST(self):
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length).decode("utf-8", "replace")
                try:
                    body = json.loads(raw)
                except ValueError:
                    body = raw
                parts = self.path[len(PREFIX):].split("/") if self.path.startswith(PREFIX) else []
                record = {"ms": api.elapsed(), "body": body,
                          "type": self.headers.get("Lambda-Runtime-Function-Error-Type")}
                if parts == ["init", "error"]:
                    record["call"] = "init_error"
                elif len(parts) == 3 and parts[0] == "invocation" and parts[2] in ("response", "error"):
                    record["call"], record["id"] = parts[2], parts[1]
                else:
                    return self.reply(404, {"errorType": "UnknownPath"})
                with api.lock:
                    api.calls.append(record)
                self.reply(202, {"status": "OK"})

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def elapsed(self):
        return round((time.perf_counter() - self.started) * 1000, 2) if self.started else None


def run(zip_path, events, database_url, timeout=90, root=None, variables=None):
    """One run in a fresh root (removed afterwards), or in `root` (made by make_root, kept)."""
    keep = root is not None
    root = root or make_root(zip_path)
    api = RuntimeAPI(events)
    environment = {
        "AWS_LAMBDA_RUNTIME_API": "127.0.0.1:%d" % api.port,
        "_HANDLER": "bootstrap",
        "LAMBDA_TASK_ROOT": "/var/task",
        "DATABASE_URL": database_url,
    }
    # The function's own configuration, as the template's Environment.Variables (deliver's signing key).
    environment.update(variables or {})
    command = ["/usr/bin/unshare", "--mount", "--fork", "/bin/sh", "-c",
               'mount -t proc proc "$0/proc" && exec /usr/sbin/chroot "$0" /var/task/bootstrap', root]
    try:
        api.started = time.perf_counter()
        process = subprocess.Popen(command, env=environment, stdin=subprocess.DEVNULL,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            stdout, stderr = process.communicate()
        calls = list(api.calls)
        nexts = [call["ms"] for call in calls if call["call"] == "next"]
        answers = [call["ms"] for call in calls if call["call"] in ("response", "error")]
        return {
            "exit": process.returncode, "stdout": stdout.decode("utf-8", "replace"),
            "stderr": stderr.decode("utf-8", "replace")[-4000:], "calls": calls,
            "init_ms": nexts[0] if nexts else None, "first_answer_ms": answers[0] if answers else None,
        }
    finally:
        api.server.shutdown()
        api.server.server_close()
        if not keep:
            shutil.rmtree(root, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--zip", required=True)
    parser.add_argument("--events", required=True)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--env", action="append", default=[], help="NAME=VALUE, as the template's variables")
    arguments = parser.parse_args()
    if os.geteuid() != 0:
        sys.exit("lambda_root.py: needs root (unshare --mount, chroot)")
    with open(arguments.events) as handle:
        events = json.load(handle)
    variables = dict(item.split("=", 1) for item in arguments.env)
    print(json.dumps(run(arguments.zip, events, arguments.database_url, variables=variables)))


if __name__ == "__main__":
    main()
