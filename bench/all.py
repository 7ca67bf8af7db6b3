"""Helpers for bench/all: wrk scripts (signed where the route is), queue messages, wrk and pgbench figures, the table."""
import hashlib, hmac, json, sys, time

INVOICE_LINES = [{"sku": "SKU-1", "brand": "Acme", "quantity": 2, "amount": 19.99}, {"sku": "SKU-2", "quantity": 1, "amount": 5.50}]


def invoice(card, number):
    return {"kind": "invoice", "card_number": card, "number": number, "order_number": "O-" + number,
            "date": "2026-06-01T10:00:00Z", "currency": "USD", "lines": INVOICE_LINES}


def bodies(kind, count, run, cards):
    for i in range(count):
        if kind == "cards":
            key = f"bench-{run}-{i}"
            yield json.dumps({"idempotency_key": key, "customer": {"external_id": key, "email": f"{key}@example.com"}},
                             separators=(",", ":"))
        else:
            yield json.dumps(invoice(cards[i % len(cards)], f"HTTP-{run}-{i}"), separators=(",", ":"))


def wrk_script(path, route, kind, count, secret, run, cards_file):
    """A wrk Lua script sending `count` distinct POST requests to `route`, each signed once (a signature is
    accepted once), the threads taking alternate requests. `kind` noop sends `{}` unsigned."""
    cards = open(cards_file).read().split() if cards_file else []
    if kind == "noop":
        with open(path, "w") as out:
            out.write(f'wrk.method = "POST"\nwrk.path = "{route}"\nwrk.body = "{{}}"\n'
                      'wrk.headers["Content-Type"] = "application/json"\n')
        return
    now = int(time.time())
    with open(path + ".data", "w") as out:
        for body in bodies(kind, count, run, cards):
            signature = hmac.new(secret.encode(), f"{now}.POST.{route}.{body}".encode(), hashlib.sha256).hexdigest()
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
  return wrk.format("POST", "{route}", {{["Content-Type"]="application/json", ["X-Puntos-Caller"]="bench",
    ["X-Puntos-Timestamp"]="{now}", ["X-Puntos-Signature"]=item[2]}}, item[1])
end
""")


def messages(path, count, run, cards_file):
    cards = open(cards_file).read().split()
    with open(path, "w") as out:
        json.dump([invoice(cards[i % len(cards)], f"QUEUE-{run}-{i}") for i in range(count)], out)


def milliseconds(text):
    for unit, factor in (("us", 0.001), ("ms", 1.0), ("s", 1000.0), ("m", 60000.0)):
        if text.endswith(unit):
            return float(text[: -len(unit)]) * factor
    return float(text)


def wrk_figures(path):
    """requests/s, p99 in ms and non-2xx count from wrk --latency's output."""
    rate, p99, bad, total = 0.0, float("nan"), 0, 0
    for line in open(path):
        fields = line.split()
        if line.startswith("Requests/sec:"):
            rate = float(fields[1])
        elif len(fields) == 2 and fields[0] == "99%":
            p99 = milliseconds(fields[1])
        elif "Non-2xx or 3xx responses:" in line:
            bad += int(fields[-1])
        elif "requests in" in line:
            total = int(fields[0])
        elif line.strip().startswith("Socket errors:"):
            bad += sum(int(part.split()[-1]) for part in line.split(":", 1)[1].split(","))
    print(f"{rate:.0f} {p99:.1f} {bad} {total}")


def pgbench_tps(path):
    for line in open(path):
        if line.startswith("tps"):
            print(f"{float(line.split()[2]):.0f}")
            return
    print("0")


def floor_batch(source, path, count):
    """bench/accrue_floor.sql, `count` accrues in one transaction with a savepoint each: the rows a queue
    batch of `count` invoices writes (one commit, a savepoint per message), the queue's floor."""
    text = open(source).read()
    comments = [line for line in text.split("\n") if line.startswith("--")]
    body = text[text.index("BEGIN;") + len("BEGIN;"):text.index("END;")]
    lines = comments + [f"\\set n{i} random(1, 9000000000000000000)" for i in range(count)] + ["BEGIN;"]
    for i in range(count):
        lines += ["SAVEPOINT message;", body.replace(":n::text", f":n{i}::text").strip(), "RELEASE SAVEPOINT message;"]
    open(path, "w").write("\n".join(lines + ["END;", ""]))


def table(path):
    """Rows `name|puntos|unit|baseline name|baseline|goal|direction` (direction `higher`: ratio puntos/baseline,
    `lower`: ratio puntos/baseline where less is better) and `#note` lines."""
    rows, notes = [], []
    for line in open(path):
        line = line.rstrip("\n")
        if line.startswith("#"):
            notes.append(line[1:])
            continue
        rows.append(line.split("|"))
    header = ("path", "Puntos", "baseline (same run)", "ratio", "goal")
    out = []
    for name, value, unit, base_name, base, goal, direction in rows:
        v, b = float(value), float(base) if base else 0.0
        ratio = f"{v / b:.2f}x" if b > 0 else "-"
        verdict = ""
        if goal and b > 0:
            g = float(goal)
            met = v / b >= g if direction == "higher" else v / b <= g
            verdict = f"{'>=' if direction == 'higher' else '<='} {g:g}x {'met' if met else 'MISSED'}"
        out.append((name, f"{v:,.0f} {unit}" if unit != "ms" else f"{v:,.0f} ms", f"{base_name}: {b:,.0f}" if base else "",
                    ratio, verdict))
    widths = [max(len(str(r[i])) for r in out + [header]) for i in range(len(header))]
    def fmt(r): return "| " + " | ".join(str(c).ljust(w) for c, w in zip(r, widths)) + " |"
    print(fmt(header))
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for r in out:
        print(fmt(r))
    for note in notes:
        print(note)


if __name__ == "__main__":
    command, args = sys.argv[1], sys.argv[2:]
    if command == "wrk-script":
        wrk_script(args[0], args[1], args[2], int(args[3]), args[4], args[5], args[6] if len(args) > 6 else "")
    elif command == "messages":
        messages(args[0], int(args[1]), args[2], args[3])
    elif command == "wrk":
        wrk_figures(args[0])
    elif command == "pgbench":
        pgbench_tps(args[0])
    elif command == "floor-batch":
        floor_batch(args[0], args[1], int(args[2]))
    elif command == "table":
        table(args[0])
