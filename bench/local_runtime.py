"""Helpers for bench/local-runtime: signed wrk requests, pgbench percentiles, queue messages, RSS."""
import glob, hashlib, hmac, json, sys, time

def requests(path, count, secret, run):
    """A wrk Lua script that sends `count` distinct signed POST /cards (issue) requests (bench/all.py writes it)."""
    from all import wrk_script
    wrk_script(path, "/cards", "cards", count, secret, run, "")


def pgbench_percentiles(prefix):
    latencies = []
    for name in glob.glob(prefix + "*"):
        with open(name) as f:
            for line in f:
                fields = line.split()
                if len(fields) >= 3:
                    latencies.append(int(fields[2]) / 1000.0)
    latencies.sort()
    def p(q): return latencies[min(len(latencies) - 1, int(q * len(latencies)))] if latencies else float("nan")
    print(f"{p(0.50):.2f} {p(0.99):.2f}")

def messages(path, count, run):
    with open(path, "w") as out:
        json.dump([{"kind": "issue", "idempotency_key": f"queue-{run}-{i}",
                    "customer": {"external_id": f"queue-{run}-{i}"}} for i in range(count)], out)

if __name__ == "__main__":
    command = sys.argv[1]
    if command == "requests": requests(sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5])
    elif command == "pgbench": pgbench_percentiles(sys.argv[2])
    elif command == "messages": messages(sys.argv[2], int(sys.argv[3]), sys.argv[4])
