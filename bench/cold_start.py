#!/usr/bin/env python3
"""Times cold one-shot runs of `register-card` (issue a card to a new customer) against the C
baseline running the same SQL, interleaved in one run, and prints medians, the ratio and peak RSS.
With a fourth argument, the Lambda zip of register-card (scripts/package): also its cold start as on
provided.al2023, in a root holding nothing but glibc (Tests/Fixtures/lambda_root.py), against a
Runtime API: init (process start to its first `next`) and first answer (to the answer of its first
event, a card issued through an API Gateway v2 event)."""
import json, os, random, shutil, statistics, subprocess, sys, time

def luhn_complete(payload):
    total = 0
    for index, digit in enumerate(reversed(payload)):
        value = int(digit)
        if index % 2 == 0:
            value *= 2
            if value > 9: value -= 9
        total += value
    return payload + str((10 - total % 10) % 10)

def timed(argv, stdin_bytes):
    started = time.perf_counter()
    process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    process.stdin.write(stdin_bytes)
    process.stdin.close()
    out = process.stdout.read()
    err = process.stderr.read()
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode != 0:
        sys.exit(f"{argv[0]} failed ({process.returncode}): {err.decode()}")
    return elapsed * 1000, usage.ru_maxrss  # ms, KiB

def packaged(zip_path, runs, run_id):
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Fixtures"))
    import lambda_root
    root = lambda_root.make_root(zip_path)
    init_ms, answer_ms = [], []
    try:
        for index in range(runs + 3):
            body = json.dumps({"customer": {"external_id": f"bench-{run_id}-l{index}"}})
            event = {"version": "2.0", "routeKey": "POST /cards", "rawPath": "/cards", "rawQueryString": "",
                     "headers": {"content-type": "application/json"},
                     "requestContext": {"http": {"method": "POST", "path": "/cards"}, "requestId": f"r{index}"},
                     "body": body, "isBase64Encoded": False}
            result = lambda_root.run(zip_path, [event], os.environ["DATABASE_URL"], root=root)
            answer = next((c for c in result["calls"] if c["call"] == "response"), None)
            if not answer or answer["body"].get("statusCode") != 200:
                sys.exit(f"the packaged bootstrap failed: {result['calls']} {result['stderr']}")
            if index >= 3:
                init_ms.append(result["init_ms"]); answer_ms.append(result["first_answer_ms"])
    finally:
        import shutil as _shutil
        _shutil.rmtree(root, ignore_errors=True)
    return statistics.median(init_ms), statistics.median(answer_ms), len(init_ms)

def main():
    swift_binary, c_binary, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
    zip_path = sys.argv[4] if len(sys.argv) > 4 else None
    run_id = "%08x" % random.getrandbits(32)
    swift_ms, c_ms, swift_rss, c_rss = [], [], [], []
    for index in range(runs + 10):
        event = json.dumps({"kind": "issue", "customer": {"external_id": f"bench-{run_id}-s{index}"}}).encode()
        s_ms, s_rss = timed([swift_binary], event)
        number = luhn_complete("9" + str(random.randrange(10**13, 10**14)))
        c_result = timed([c_binary, f"bench-{run_id}-c{index}", number], b"")
        if index >= 10:  # the first runs warm the page cache and PostgreSQL
            swift_ms.append(s_ms); swift_rss.append(s_rss)
            c_ms.append(c_result[0]); c_rss.append(c_result[1])
    def summary(values):
        values = sorted(values)
        return statistics.median(values), values[int(len(values) * 0.9)]
    (s_med, s_p90), (c_med, c_p90) = summary(swift_ms), summary(c_ms)
    print(f"runs each:                {runs} (interleaved, after 10 warm-up runs)")
    print(f"register-card (Swift):    median {s_med:.2f} ms   p90 {s_p90:.2f} ms   peak RSS {max(swift_rss) / 1024:.1f} MiB")
    print(f"C + libpq, same SQL:      median {c_med:.2f} ms   p90 {c_p90:.2f} ms   peak RSS {max(c_rss) / 1024:.1f} MiB")
    print(f"ratio (Swift / C):        {s_med / c_med:.2f}x median, goal <= 1.30x")
    if zip_path:
        # Fewer runs: each starts a mount namespace and a chroot, and Runtime API calls over HTTP.
        l_init, l_answer, l_runs = packaged(zip_path, max(10, runs // 10), run_id)
        print(f"packaged bootstrap ({os.path.getsize(zip_path) / 1048576:.1f} MiB zip), glibc-only root, {l_runs} runs:")
        print(f"  init (start to first /next): median {l_init:.2f} ms   ({l_init / c_med:.2f}x the C one-shot run)")
        print(f"  first answer (start to /response): median {l_answer:.2f} ms   ({l_answer / c_med:.2f}x the C one-shot run)")
    # Wall time on a shared machine is noisy; instruction counts are not (valgrind's callgrind).
    if shutil.which("valgrind"):
        def instructions(argv, stdin_bytes):
            out = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null"] + argv,
                                 input=stdin_bytes, capture_output=True)
            for line in out.stderr.decode().splitlines():
                if "refs:" in line:
                    return int(line.split("refs:")[1].strip().replace(",", ""))
            return None
        event = json.dumps({"kind": "issue", "customer": {"external_id": f"bench-{run_id}-cg"}}).encode()
        s_ir = instructions([swift_binary], event)
        c_ir = instructions([c_binary, f"bench-{run_id}-cgc", luhn_complete("9" + str(random.randrange(10**13, 10**14)))], b"")
        if s_ir and c_ir:
            print(f"instructions, one run:    Swift {s_ir:,}   C {c_ir:,}   ratio {s_ir / c_ir:.2f}x")

main()
