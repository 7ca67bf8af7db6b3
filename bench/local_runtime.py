"""Helpers for bench/local-runtime: signed wrk requests, pgbench percentiles, queue messages, RSS."""
import glob, hashlib, hmac, json, sys, time

def requests(path, count, secret, run):
    """A wrk Lua script that sends `count` distinct signed POST /cards (issue) requests, read from a data file."""
    now = int(time.time())
    with open(path + ".data", "w") as out:
        for i in range(count):
            key = f"bench-{run}-{i}"
            body = json.dumps({"idempotency_key": key, "customer": {"external_id": key, "email": f"{key}@example.com"}},
                              separators=(",", ":"))
            signature = hmac.new(secret.encode(), f"{now}.POST./cards.{body}".encode(), hashlib.sha256).hexdigest()
            out.write(f"v1={signature}\t{body}\n")
    with open(path, "w") as out:
        out.write(f"""
local r = {{}}
for line in io.lines("{path}.data") do
  local tab = line:find("\\t", 1, true)
  r[#r + 1] = {{line:sub(tab + 1), line:sub(1, tab - 1)}}
end
local counter = 0
local threads = 0
function setup(thread) thread:set("offset", threads); threads = threads + 1 end
function init(args) counter = tonumber(offset) or 0 end
function request()
  counter = counter + 2
  local item = r[(counter % #r) + 1]
  return wrk.format("POST", "/cards", {{["Content-Type"]="application/json", ["X-Puntos-Caller"]="bench",
    ["X-Puntos-Timestamp"]="{now}", ["X-Puntos-Signature"]=item[2]}}, item[1])
end
""")

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
