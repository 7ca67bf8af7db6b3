#!/usr/bin/env bash
# Fuzzes the HTTP API against its OpenAPI document: starts a live `puntos up` serving deploy.yaml on
# the database of DATABASE_URL (migrated already) with the executables of PUNTOS_BIN, runs schemathesis
# over openapi.yaml with every signed request signed as a real caller signs it
# (scripts/lib/schemathesis_hooks.py), and fails on any 5xx (not_a_server_error) or any answer that
# does not match its documented schema (response_schema_conformance). Bounded: at most
# PUNTOS_SCHEMATHESIS_EXAMPLES (20) cases per operation and phase, PUNTOS_SCHEMATHESIS_MAX_TIME (120)
# seconds in all, seed PUNTOS_SCHEMATHESIS_SEED (1). Prints the figures, stops puntos up.
# Called by scripts/test; runs alone too: eval the devpg export line, then bash scripts/lib/api_fuzz.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
: "${DATABASE_URL:?DATABASE_URL must name the migrated test database}"
: "${PUNTOS_BIN:?PUNTOS_BIN must be the folder of the built executables}"

examples=${PUNTOS_SCHEMATHESIS_EXAMPLES:-20}
max_time=${PUNTOS_SCHEMATHESIS_MAX_TIME:-120}
seed=${PUNTOS_SCHEMATHESIS_SEED:-1}
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
secret=$(python3 -c 'import secrets; print(secrets.token_hex(16))')
workdir=$(mktemp -d /tmp/puntos-api-fuzz.XXXXXX)
url="http://127.0.0.1:$port"

WEBHOOK_SECRETS="fuzz=$secret" PUNTOS_SIGNING_SECRET=api-fuzz-signing-key LOG_LEVEL=notice \
    "$PUNTOS_BIN/puntos" up --template deploy.yaml --port "$port" --no-migrate >"$workdir/puntos-up.log" 2>&1 &
up_pid=$!
stop_up() {
    if kill -0 "$up_pid" 2>/dev/null; then
        kill -TERM "$up_pid"
        wait "$up_pid" || true
    fi
}
trap stop_up EXIT

for _ in $(seq 1 300); do
    curl -sf "$url/healthz" >/dev/null 2>&1 && break
    kill -0 "$up_pid" 2>/dev/null || break
    sleep 0.2
done
if ! curl -sf "$url/healthz" >/dev/null 2>&1; then
    echo "api fuzz: puntos up did not become healthy on $url" >&2
    tail -n 30 "$workdir/puntos-up.log" >&2
    exit 1
fi

printf '==> schemathesis %s against puntos up on %s (max %s examples, %s s, seed %s)\n' \
    "$(schemathesis --version | sed 's/.* //')" "$url" "$examples" "$max_time" "$seed" >&2
status=0
SCHEMATHESIS_HOOKS=schemathesis_hooks PYTHONPATH="$PWD/scripts/lib${PYTHONPATH:+:$PYTHONPATH}" \
    PUNTOS_FUZZ_SECRET="$secret" PUNTOS_FUZZ_URL="$url" PUNTOS_OPENAPI="$PWD/openapi.yaml" \
    schemathesis run openapi.yaml --url "$url" \
    --checks not_a_server_error,response_schema_conformance \
    --max-examples "$examples" --max-time "$max_time" --seed "$seed" --workers 1 \
    --generation-with-security-parameters false --generation-database none \
    --request-timeout 30 --no-color \
    --report ndjson --report-ndjson-path "$workdir/events.ndjson" || status=$?

# The figures, from the run's events: operations tested, cases sent, failures (distinct check failures).
python3 - "$workdir/events.ndjson" "$status" <<'EOF' || true
import collections, json, sys
operations, cases, failures, statuses = set(), 0, set(), collections.Counter()
for line in open(sys.argv[1], encoding="utf-8"):
    event = json.loads(line).get("ScenarioFinished")
    if not event:
        continue
    recorder = event.get("recorder", {})
    interactions = recorder.get("interactions") or {}
    if interactions:
        operations.add(recorder.get("label"))
    cases += len(interactions)
    for interaction in interactions.values():
        statuses[str((interaction.get("response") or {}).get("status_code", "none"))] += 1
    for checks in (recorder.get("checks") or {}).values():
        for check in checks:
            if check.get("status") == "failure":
                failure = (check.get("failure_info") or {}).get("failure") or {}
                failures.add((recorder.get("label"), check.get("name"), failure.get("title")))
print(
    f"api fuzz: {len(operations)} operations tested, {cases} requests sent, {len(failures)} distinct failures, "
    f"schemathesis exit {sys.argv[2]}; answers: " + ", ".join(f"{k}: {v}" for k, v in sorted(statuses.items()))
)
for label, name, title in sorted(failures, key=str):
    print(f"  FAILED {label}: {name}: {title}")
EOF

stop_up
trap - EXIT
if ((status != 0)); then
    echo "api fuzz: schemathesis found failures (exit $status); puntos up log: $workdir/puntos-up.log" >&2
    exit 1
fi
rm -rf "$workdir"
