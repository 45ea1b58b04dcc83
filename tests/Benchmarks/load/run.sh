#!/usr/bin/env bash
# Load benchmark: bare YARP (the ceiling) vs the standard ASP.NET Core stack (JwtBearer + a route
# AuthorizationPolicy + a claims-to-headers transform) vs the gateway with full enforcement, all
# proxying to the same fixed-response nginx on loopback and all validating the same tokens. A separate
# scenario, ratelimit-redis, adds a fourth target: the same gateway with a per-subject rate limit
# counted in a local redis-server (one Lua script per request), so the price of a limit is known.
# Two more compare a gateway with itself in the same round: introspection (cached RFC 7662 answers for
# opaque tokens, served by nginx, vs cached JWTs on the same route) and dpop (a fresh, pre-generated
# RFC 9449 proof per request vs plain bearer tokens).
# The honest miss scenarios (miss-rs256, miss-es256) send every request a token the gateway cannot answer from its
# validated-token cache (gateway-miss: TokenCache:MaxEntries 1, DISTINCT tokens in a cycle) against the stock stack
# and bare YARP in the same rounds, next to the crypto floor: bare YARP + one signature verification measured on
# the target's CPU in the same round (the computed floor), and next to the measured floor: floor-proxy
# (tests/Benchmarks/FloorProxy), YARP + a signature check and nothing else, in the same rounds. cold-start times a new
# replica (keys already in Redis) to ready, and counts what it serves in its first 5 s under load (and per quarter
# second), for the container's publish before and after issue 12's cold-start change (COLD_VARIANTS).
#
#   bash tests/Benchmarks/load/run.sh           # full run: ~60 minutes (see docs/performance.md)
#   bash tests/Benchmarks/load/run.sh --quick   # a few seconds per target: proves the setup works
#   SCENARIOS="same-token miss-rs256 miss-es256 cold-start" bash tests/Benchmarks/load/run.sh --reduced   # ~20 minutes
#   GATEWAY_BUILD=composite SCENARIOS="same-token miss-rs256 miss-es256" bash ... --reduced   # the image's build, warm
#
# Installs wrk and nginx with apt-get when missing. Everything listens on 127.0.0.1; every process it
# starts is stopped by PID on exit. Not part of tests/run.sh.
set -euo pipefail
cd "$(dirname "$0")/../../.."
ROOT="$(pwd)"
LOAD="$ROOT/tests/Benchmarks/load"

MODE=full
for arg in "$@"; do
  case "$arg" in
    --quick) MODE=quick ;;
    --reduced) MODE=reduced ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "unknown argument: $arg" >&2; exit 2 ;;
  esac
done

# Seconds of load before measuring (per target, once), per scenario (per target), per measured run;
# measured rounds; distinct tokens. The full settings follow MACHINE-style advice: a .NET proxy needs
# 60-90 s of load to reach steady state (tiered JIT, dynamic PGO), and runs are noisy (±20-30 %):
# targets are interleaved within each round and medians are reported.
# Reduced: for a shared machine (minutes, not an hour): enough warm-up for the JIT's tiers, 3 interleaved rounds.
if [ "$MODE" = quick ]; then
  WARMUP=${WARMUP:-3}; SCENARIO_WARMUP=${SCENARIO_WARMUP:-1}; DURATION=${DURATION:-3}; ROUNDS=${ROUNDS:-1}; DISTINCT=${DISTINCT:-2000}
elif [ "$MODE" = reduced ]; then
  WARMUP=${WARMUP:-30}; SCENARIO_WARMUP=${SCENARIO_WARMUP:-5}; DURATION=${DURATION:-10}; ROUNDS=${ROUNDS:-3}; DISTINCT=${DISTINCT:-4000}
else
  WARMUP=${WARMUP:-60}; SCENARIO_WARMUP=${SCENARIO_WARMUP:-10}; DURATION=${DURATION:-20}; ROUNDS=${ROUNDS:-5}; DISTINCT=${DISTINCT:-10000}
fi
CONNECTIONS=${CONNECTIONS:-32}
# ratelimit-redis: distinct tokens (distinct subjects, so distinct counters) against the gateway with and without the limit.
# introspection: DISTINCT opaque tokens vs DISTINCT JWTs through one gateway (same route and policy), both cached.
# dpop: DPOP_CLIENTS bound tokens, each request with a new proof, vs as many unbound bearer tokens through one gateway.
# miss-rs256, miss-es256: every request a token gateway-miss has not cached (see MISS_CACHE_ENTRIES), RS256 or ES256,
# against the stock stack and bare YARP, with the floor (bare YARP + one verification, measured in each round).
# cold-start: a new replica's time to ready (keys in Redis) and its first COLD_SECONDS under load.
ALL_SCENARIOS="same-token distinct-tokens es256 invalid-10pct ratelimit-redis introspection dpop miss-rs256 miss-es256 cold-start"
read -r -a SCENARIOS <<<"${SCENARIOS:-$ALL_SCENARIOS}"   # SCENARIOS="introspection dpop": only those
for scenario in "${SCENARIOS[@]}"; do
  case " $ALL_SCENARIOS " in *" $scenario "*) ;; *) echo "unknown scenario: $scenario (known: $ALL_SCENARIOS)" >&2; exit 2 ;; esac
done
DPOP_CLIENTS=${DPOP_CLIENTS:-1000}  # DPoP clients (key pairs, bound tokens) the proofs cycle through
# gateway-miss's TokenCache:MaxEntries. At 1, a token's entry is displaced by the next miss, and a token comes back
# only after DISTINCT - 1 others: no request can be answered from the cache, yet the cache's work (SHA-256, lookup,
# insert, eviction) is done on every request, as on any miss. A larger value lets some tokens survive a cycle.
MISS_CACHE_ENTRIES=${MISS_CACHE_ENTRIES:-1}
VERIFY_SECONDS=${VERIFY_SECONDS:-2}   # per round and miss scenario: the verification cost behind the floor
COLD_SECONDS=${COLD_SECONDS:-5}       # cold-start: seconds of load from the moment a replica's process is spawned
TARGET_CPU=${TARGET_CPU:-1}   # the proxy under test
LOAD_CPU=${LOAD_CPU:-0}       # wrk and nginx
ISSUER="https://bench-idp.example"
AUDIENCE="api"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
# Same logging for every .NET target: warnings only (refused tokens are logged at Information).
export Logging__LogLevel__Default=Warning

need_install=()
command -v wrk >/dev/null 2>&1 || need_install+=(wrk)
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_install+=(nginx-light)  # nginx without extra modules
command -v taskset >/dev/null 2>&1 || need_install+=(util-linux)
command -v redis-server >/dev/null 2>&1 || need_install+=(redis-server)
if [ "${#need_install[@]}" -gt 0 ]; then
  echo "load: installing ${need_install[*]}"
  SUDO=""; [ "$(id -u)" != "0" ] && SUDO="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq || true
  $SUDO apt-get install -y -qq --no-install-recommends "${need_install[@]}" >/dev/null
fi
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"

WORK="$(mktemp -d -t gateway-load-XXXXXX)"
PIDS=()
cleanup() {
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  if [ "${KEEP_WORK:-0}" = 1 ]; then echo "load: work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

wait_http() { # url expected-status seconds
  local deadline=$((SECONDS + $3))
  while [ $SECONDS -lt $deadline ]; do
    [ "$(curl -s -o /dev/null -w '%{http_code}' "$1" || true)" = "$2" ] && return 0
    sleep 0.2
  done
  echo "load: $1 did not answer $2 within $3 s" >&2; return 1
}

echo "load: mode $MODE (warm-up ${WARMUP}s per target, ${SCENARIO_WARMUP}s per scenario, ${ROUNDS} round(s) of ${DURATION}s, ${CONNECTIONS} connections, ${DISTINCT} distinct tokens; scenarios: ${SCENARIOS[*]}; gateway build: ${GATEWAY_BUILD:-dll})"
echo "load: building (Release)"
for project in gateway/Gateway.csproj tests/Benchmarks/BareYarp/BareYarp.csproj tests/Benchmarks/StandardStack/StandardStack.csproj tests/Benchmarks/FloorProxy/FloorProxy.csproj tests/Benchmarks/BenchTokens/BenchTokens.csproj; do
  dotnet build "$project" -c Release -nologo -clp:ErrorsOnly -v q >/dev/null
done

selected() { case " ${SCENARIOS[*]} " in *" $1 "*) return 0 ;; *) return 1 ;; esac; }
# cold-start runs the container's publish (deploy/Dockerfile's flags: self-contained linux-x64, invariant globalization,
# no symbols) as the image would start it; every publish restores from the configured NuGet feeds. Three publishes:
# cold-jit (no ReadyToRun), cold-r2r (ReadyToRun per assembly: the image before issue 12's cold-start change) and
# cold-composite (ReadyToRun composite: the image now).
# COLD_VARIANTS: NAME or NAME=VAR=value,VAR=value (environment variables of that replica, e.g. DOTNET_ runtime knobs,
# whose numbers are hexadecimal, which override the runtimeconfig); a NAME starting with cold-composite runs the
# composite publish, cold-r2r the per-assembly ReadyToRun one, any other the JIT one.
read -r -a COLD_VARIANTS <<<"${COLD_VARIANTS:-cold-r2r cold-composite}"
declare -A COLD_ENV=() COLD_PUBLISH=()
cold_specs=("${COLD_VARIANTS[@]}"); COLD_VARIANTS=()
for spec in "${cold_specs[@]}"; do
  name=${spec%%=*}; COLD_VARIANTS+=("$name"); COLD_ENV[$name]=""; [ "$name" != "$spec" ] && COLD_ENV[$name]=${spec#*=}
  case "$name" in cold-composite*) COLD_PUBLISH[$name]=cold-composite ;; cold-r2r*) COLD_PUBLISH[$name]=cold-r2r ;; *) COLD_PUBLISH[$name]=cold-jit ;; esac
done
# GATEWAY_BUILD=composite runs every warm gateway target (gateway, gateway-miss, ...) from the image's publish instead of
# the framework-dependent build (dll, the default): the steady state of what the container runs.
GATEWAY_BUILD=${GATEWAY_BUILD:-dll}
GATEWAY_CMD=(dotnet "$ROOT/gateway/bin/Release/net10.0/Gateway.dll")
publishes=()
if selected cold-start; then publishes=("${COLD_PUBLISH[@]}"); fi
if [ "$GATEWAY_BUILD" = composite ]; then publishes+=(cold-composite); GATEWAY_CMD=("$WORK/publish-cold-composite/Gateway"); fi
if [ "${#publishes[@]}" -gt 0 ]; then
  for publish in $(printf '%s\n' "${publishes[@]}" | sort -u); do
    options=(-p:PublishReadyToRun=false)
    [ "$publish" = cold-r2r ] && options=(-p:PublishReadyToRun=true)
    [ "$publish" = cold-composite ] && options=(-p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true)
    echo "load: publishing the gateway for $publish (self-contained linux-x64, ${options[*]})"
    # Each publish in an intermediate directory of its own: crossgen's incremental outputs of a composite publish are
    # not those of a per-assembly one (reusing them gave a per-assembly publish that aborted at startup).
    dotnet publish gateway/Gateway.csproj -c Release -r linux-x64 --self-contained -p:InvariantGlobalization=true \
      -p:DebugType=none "${options[@]}" -p:IntermediateOutputPath="$WORK/obj-$publish/" -o "$WORK/publish-$publish" \
      -nologo -clp:ErrorsOnly -v q >/dev/null
  done
fi

echo "load: minting keys and tokens"
dotnet tests/Benchmarks/BenchTokens/bin/Release/net10.0/BenchTokens.dll "$WORK" "$ISSUER" "$AUDIENCE" "$DISTINCT" "$DPOP_CLIENTS"

NGINX_PORT=$(free_port); BARE_PORT=$(free_port); STD_PORT=$(free_port); GW_PORT=$(free_port); GWRL_PORT=$(free_port); REDIS_PORT=$(free_port)
GWIN_PORT=$(free_port); GWDP_PORT=$(free_port); GWMISS_PORT=$(free_port); FLOOR_PORT=$(free_port)
# The gateway's introspection client credentials; nginx refuses any other (401, which the gateway answers 503).
INTROSPECTION_CLIENT=bench-gateway
INTROSPECTION_SECRET=$(python3 -c 'import secrets; print(secrets.token_hex(24))')
INTROSPECTION_BASIC=$(printf '%s:%s' "$INTROSPECTION_CLIENT" "$INTROSPECTION_SECRET" | base64 -w0)
# The fixed RFC 7662 answer: active, far-future exp, the claims of the benchmark's JWTs (so the same policy and
# claim headers apply). Every opaque token is active for user-0.
INTROSPECTION_ANSWER='{"active":true,"iss":"'"$ISSUER"'","aud":"'"$AUDIENCE"'","sub":"user-0","client_id":"bench-client","scope":"orders:read orders:write","roles":["admin","user"],"tenant":"acme","token_type":"Bearer","exp":4102444800}'
DOWNSTREAM="http://127.0.0.1:$NGINX_PORT/"
mkdir -p "$WORK/nginx"
cat > "$WORK/nginx/nginx.conf" <<EOF
$( [ "$(id -u)" = 0 ] && echo "user root;" )
worker_processes 1;
daemon off;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $WORK/nginx/tmp-body;
  proxy_temp_path $WORK/nginx/tmp-proxy;
  fastcgi_temp_path $WORK/nginx/tmp-fastcgi;
  uwsgi_temp_path $WORK/nginx/tmp-uwsgi;
  scgi_temp_path $WORK/nginx/tmp-scgi;
  keepalive_requests 10000000;
  server {
    listen 127.0.0.1:$NGINX_PORT;
    location = /jwks.json { alias $WORK/jwks.json; default_type application/json; }
    # The introspection endpoint of gateway-introspection: a fixed answer; each call is logged (and counted).
    location = /introspect {
      access_log $WORK/nginx/introspect.log;
      default_type application/json;
      if (\$http_authorization != "Basic $INTROSPECTION_BASIC") { return 401 '{"error":"invalid_client"}'; }
      return 200 '$INTROSPECTION_ANSWER';
    }
    # Correctness only: shows the claim headers the proxy forwarded.
    location = /api/echo { default_type text/plain; return 200 "id=\$http_x_user_id scopes=\$http_x_user_scopes roles=\$http_x_user_roles tenant=\$http_x_tenant\n"; }
    location / { default_type text/plain; return 200 "ok\n"; }
  }
}
EOF
taskset -c "$LOAD_CPU" "$NGINX" -c "$WORK/nginx/nginx.conf" -p "$WORK/nginx" &
PIDS+=($!)
wait_http "http://127.0.0.1:$NGINX_PORT/jwks.json" 200 10

# The rate-limit target's Redis: on the load CPU, like nginx (the gateway's cost is what is measured).
mkdir -p "$WORK/redis"
(cd "$WORK/redis" && exec taskset -c "$LOAD_CPU" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --dir "$WORK/redis") >"$WORK/redis/redis.log" 2>&1 &
PIDS+=($!)
redis_deadline=$((SECONDS + 10))
until [ "$(redis-cli -p "$REDIS_PORT" ping 2>/dev/null)" = PONG ]; do
  [ $SECONDS -lt $redis_deadline ] || { echo "load: redis-server did not answer within 10 s" >&2; exit 1; }
  sleep 0.1
done

cat > "$WORK/gateway.json" <<EOF
{
  "Gateway": {
    "Issuers": {
      "bench": { "JwksUri": "http://127.0.0.1:$NGINX_PORT/jwks.json", "Issuer": "$ISSUER", "RequireHttpsMetadata": false, "Audiences": [ "$AUDIENCE" ] }
    },
    "Policies": { "bench": { "Scopes": [ "orders:read" ], "Roles": [ "admin" ] } },
    "ClaimHeaders": [
      { "Header": "X-User-Id", "Claim": "sub" },
      { "Header": "X-User-Scopes", "Claim": "scope" },
      { "Header": "X-User-Roles", "Claim": "roles" },
      { "Header": "X-Tenant", "Claim": "tenant" }
    ]
  },
  "ReverseProxy": {
    "Routes": { "api": { "ClusterId": "downstream", "Match": { "Path": "/api/{**rest}" }, "Metadata": { "Policy": "bench" } } },
    "Clusters": { "downstream": { "Destinations": { "d1": { "Address": "$DOWNSTREAM" } } } }
  }
}
EOF

# The same gateway with Redis and a rate limit on /api (per issuer and subject, high enough that nothing
# is refused: the check's cost is measured, not refusals) and a low one on /limited for the correctness check.
python3 - "$WORK/gateway.json" "$WORK/gateway-ratelimit.json" "$REDIS_PORT" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
gateway = config["Gateway"]
gateway["Redis"] = {"Configuration": f"127.0.0.1:{sys.argv[3]}", "KeyPrefix": "bench:", "IntegrityKey": "bench-integrity-key-0123456789abcdef0123"}
gateway["RateLimits"] = {
    "per-user": {"Limit": 1000000, "Window": "00:00:01", "Key": ["$issuer", "sub"]},
    "check": {"Limit": 2, "Window": "01:00:00", "Key": ["$issuer", "sub"]},
}
routes = config["ReverseProxy"]["Routes"]
routes["api"]["RateLimiterPolicy"] = "per-user"
routes["limited"] = dict(routes["api"], Match={"Path": "/limited/{**rest}"}, RateLimiterPolicy="check")
json.dump(config, open(sys.argv[2], "w"), indent=2)
PY

# gateway-introspection: the same gateway whose issuer also introspects opaque tokens (Tokens: Opaque, the default:
# JWTs of the issuer are still verified by signature, on the same route and policy). The endpoint is plain http on
# loopback, allowed in Production by the issuer's RequireHttpsMetadata: false, exactly like its JWKS URL here (and as
# the gateway's own tests run it); the secret comes from the environment (see start_target). Answers are cached
# 10 minutes (MaxCacheDuration, like TokenCache:MaxEntryLifetime's default) and up to 50,000 of them (like
# TokenCache:MaxEntries), so both token kinds are served from the gateway's caches: cached vs cached.
#
# gateway-dpop: the same gateway with the DPoP settings a load of fresh proofs needs (the issuer's mode stays Allowed,
# so plain bearer tokens pass on the same route): a ProofMaxAge covering the longest run plus a minute (the proofs are
# signed just before each run, not just before each request), and a replay memory large enough for every proof id
# retained meanwhile (no Redis: the in-memory replay store of a single replica).
python3 - "$WORK/gateway.json" "$WORK/gateway-introspection.json" "$WORK/gateway-dpop.json" "$NGINX_PORT" "$INTROSPECTION_CLIENT" \
  "$(( (DURATION > SCENARIO_WARMUP ? DURATION : SCENARIO_WARMUP) + 60 ))" <<'PY'
import copy, json, sys
base = json.load(open(sys.argv[1]))
config = copy.deepcopy(base)
config["Gateway"]["Issuers"]["bench"]["Introspection"] = {
    "Endpoint": f"http://127.0.0.1:{sys.argv[4]}/introspect", "ClientId": sys.argv[5],
    "MaxCacheDuration": "00:10:00", "MaxCacheEntries": 50000,
}
json.dump(config, open(sys.argv[2], "w"), indent=2)
config = copy.deepcopy(base)
age = min(int(sys.argv[6]), 3600)
config["Gateway"]["Dpop"] = {"ProofMaxAge": f"{age // 3600:02d}:{age % 3600 // 60:02d}:{age % 60:02d}", "ReplayCacheMaxEntries": 2000000}
json.dump(config, open(sys.argv[3], "w"), indent=2)
PY

# gateway-miss: the same gateway with a one-entry validated-token cache (see MISS_CACHE_ENTRIES); gateway-cold: the
# same gateway sharing its keys through the local Redis (cold-start: a new replica finds them there).
python3 - "$WORK/gateway.json" "$WORK/gateway-miss.json" "$WORK/gateway-cold.json" "$MISS_CACHE_ENTRIES" "$REDIS_PORT" <<'PY2'
import copy, json, sys
base = json.load(open(sys.argv[1]))
config = copy.deepcopy(base)
config["Gateway"]["TokenCache"] = {"MaxEntries": int(sys.argv[4])}
json.dump(config, open(sys.argv[2], "w"), indent=2)
config = copy.deepcopy(base)
config["Gateway"]["Redis"] = {"Configuration": f"127.0.0.1:{sys.argv[5]}", "KeyPrefix": "bench-cold:", "IntegrityKey": "bench-cold-integrity-key-0123456789abcdef"}
json.dump(config, open(sys.argv[3], "w"), indent=2)
PY2

# A target is a process, or a process with one kind of token (introspection-*, dpop-*: one gateway, two kinds).
declare -A PORT=([bare-yarp]=$BARE_PORT [standard-stack]=$STD_PORT [gateway]=$GW_PORT [gateway-ratelimit]=$GWRL_PORT
  [gateway-introspection]=$GWIN_PORT [gateway-dpop]=$GWDP_PORT [gateway-miss]=$GWMISS_PORT [floor-proxy]=$FLOOR_PORT
  [introspection-jwt]=$GWIN_PORT [introspection-opaque]=$GWIN_PORT [dpop-bearer]=$GWDP_PORT [dpop-proof]=$GWDP_PORT)
declare -A PROCESS_OF=([introspection-jwt]=gateway-introspection [introspection-opaque]=gateway-introspection
  [dpop-bearer]=gateway-dpop [dpop-proof]=gateway-dpop)
# The scenario's own comparison, in the same round (besides bare YARP): target → baseline.
declare -A BASELINE_OF=([gateway-ratelimit]=gateway [introspection-opaque]=introspection-jwt [dpop-proof]=dpop-bearer)
declare -A PID_OF=()
PROCESSES=(bare-yarp standard-stack gateway gateway-ratelimit gateway-introspection gateway-dpop gateway-miss floor-proxy)
targets_of() { # scenario → its targets
  case "$1" in
    ratelimit-redis) echo bare-yarp gateway gateway-ratelimit ;;
    introspection) echo bare-yarp introspection-jwt introspection-opaque ;;
    dpop) echo bare-yarp dpop-bearer dpop-proof ;;
    miss-rs256|miss-es256) echo bare-yarp standard-stack gateway-miss floor-proxy ;;
    cold-start) echo gateway ;;  # the warm replica whose rate is the steady state; the cold ones are started per round
    *) echo bare-yarp standard-stack gateway ;;
  esac
}

start_target() {
  local name=$1 port=${PORT[$1]}
  case "$name" in
    bare-yarp) (cd "$WORK" && exec taskset -c "$TARGET_CPU" dotnet "$ROOT/tests/Benchmarks/BareYarp/bin/Release/net10.0/BareYarp.dll" --urls "http://127.0.0.1:$port" --Downstream "$DOWNSTREAM") >"$WORK/$name.log" 2>&1 & ;;
    standard-stack) (cd "$WORK" && exec taskset -c "$TARGET_CPU" dotnet "$ROOT/tests/Benchmarks/StandardStack/bin/Release/net10.0/StandardStack.dll" --urls "http://127.0.0.1:$port" --Downstream "$DOWNSTREAM" --Jwks "$WORK/jwks.json" --Issuer "$ISSUER" --Audience "$AUDIENCE") >"$WORK/$name.log" 2>&1 & ;;
    # The measured floor of the miss scenarios: YARP + a signature check, nothing else (never a gateway: see its Program.cs).
    floor-proxy) (cd "$WORK" && exec taskset -c "$TARGET_CPU" dotnet "$ROOT/tests/Benchmarks/FloorProxy/bin/Release/net10.0/FloorProxy.dll" --urls "http://127.0.0.1:$port" --Downstream "$DOWNSTREAM" --Jwks "$WORK/jwks.json") >"$WORK/$name.log" 2>&1 & ;;
    gateway) (cd "$WORK" && exec taskset -c "$TARGET_CPU" "${GATEWAY_CMD[@]}" --config "$WORK/gateway.json" --environment Production --urls "http://127.0.0.1:$port") >"$WORK/$name.log" 2>&1 & ;;
    # Its rate-limit gate logs both moves (to local counting and back to Redis) for the correctness check.
    gateway-ratelimit) (cd "$WORK" && exec env "Logging__LogLevel__Gateway.RateLimiting.RateLimitGate=Information" taskset -c "$TARGET_CPU" "${GATEWAY_CMD[@]}" --config "$WORK/gateway-ratelimit.json" --environment Production --urls "http://127.0.0.1:$port") >"$WORK/$name.log" 2>&1 & ;;
    gateway-introspection) (cd "$WORK" && Gateway__Issuers__bench__Introspection__ClientSecret="$INTROSPECTION_SECRET" exec taskset -c "$TARGET_CPU" "${GATEWAY_CMD[@]}" --config "$WORK/gateway-introspection.json" --environment Production --urls "http://127.0.0.1:$port") >"$WORK/$name.log" 2>&1 & ;;
    gateway-dpop) (cd "$WORK" && exec taskset -c "$TARGET_CPU" "${GATEWAY_CMD[@]}" --config "$WORK/gateway-dpop.json" --environment Production --urls "http://127.0.0.1:$port") >"$WORK/$name.log" 2>&1 & ;;
    gateway-miss) (cd "$WORK" && exec taskset -c "$TARGET_CPU" "${GATEWAY_CMD[@]}" --config "$WORK/gateway-miss.json" --environment Production --urls "http://127.0.0.1:$port") >"$WORK/$name.log" 2>&1 & ;;
  esac
  PID_OF[$name]=$!
  PIDS+=($!)
}

# Only the processes a selected scenario measures are started, checked and warmed up.
declare -A WARM=()
for scenario in "${SCENARIOS[@]}"; do for t in $(targets_of "$scenario"); do WARM[${PROCESS_OF[$t]:-$t}]=1; done; done
measured() { [ -n "${WARM[$1]:-}" ]; }
for t in "${PROCESSES[@]}"; do if measured "$t"; then start_target "$t"; fi; done
if measured bare-yarp; then wait_http "http://127.0.0.1:$BARE_PORT/api/x" 200 30; fi
if measured standard-stack; then wait_http "http://127.0.0.1:$STD_PORT/api/x" 401 30; fi
if measured floor-proxy; then wait_http "http://127.0.0.1:$FLOOR_PORT/api/x" 401 30; fi
for t in gateway gateway-ratelimit gateway-introspection gateway-dpop gateway-miss; do
  if measured "$t"; then wait_http "http://127.0.0.1:${PORT[$t]}/healthz/ready" 200 30; fi
done

# ---- correctness first ----
RS_TOKEN=$(head -n1 "$WORK/rs256.txt"); ES_TOKEN=$(head -n1 "$WORK/es256.txt"); BAD_TOKEN=$(sed -n 10p "$WORK/mixed.txt")
check() { # description expected actual
  if [ "$2" != "$3" ]; then echo "load: CORRECTNESS FAILED: $1: expected '$2', got '$3'" >&2; exit 1; fi
  echo "load:   ok  $1"
}
status() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
echo "load: correctness"
if measured bare-yarp; then check "bare-yarp forwards" 200 "$(status "http://127.0.0.1:$BARE_PORT/api/x")"; fi
EXPECTED_ECHO="id=user-0 scopes=orders:read orders:write roles=admin,user tenant=acme"
for t in standard-stack gateway gateway-miss; do
  measured "$t" || continue
  base="http://127.0.0.1:${PORT[$t]}"
  check "$t: no token → 401" 401 "$(status "$base/api/x")"
  check "$t: forged RS256 token → 401" 401 "$(status -H "Authorization: Bearer $BAD_TOKEN" "$base/api/x")"
  check "$t: RS256 token → 200" 200 "$(status -H "Authorization: Bearer $RS_TOKEN" "$base/api/x")"
  check "$t: ES256 token → 200" 200 "$(status -H "Authorization: Bearer $ES_TOKEN" "$base/api/x")"
  check "$t: claim headers forwarded" "$EXPECTED_ECHO" "$(curl -s -H "Authorization: Bearer $RS_TOKEN" "$base/api/echo")"
  check "$t: client-sent claim header replaced" "$EXPECTED_ECHO" "$(curl -s -H "X-User-Id: mallory" -H "Authorization: Bearer $RS_TOKEN" "$base/api/echo")"
done

introspection_calls() { if [ -f "$WORK/nginx/introspect.log" ]; then wc -l <"$WORK/nginx/introspect.log"; else echo 0; fi; }
dpop_proofs() { # path count file
  dotnet "$ROOT/tests/Benchmarks/BenchTokens/bin/Release/net10.0/BenchTokens.dll" dpop-proofs "$WORK" "http://127.0.0.1:$GWDP_PORT$1" "$2" "$3"
}

if measured gateway-ratelimit; then
base="http://127.0.0.1:$GWRL_PORT"
# A fresh gateway's first Redis checks (connection, script load) may outlast RateLimitTimeout on a busy machine and fall
# back to local counting for a second: send requests on /api until its rate limits are counted in Redis (bounded).
rate_limit_store() { # redis or local: the last move logged by the rate-limit gate (none yet: redis)
  local last; last=$(grep -o 'counted by this replica alone\|counted fleet-wide in Redis again' "$WORK/gateway-ratelimit.log" | tail -n1 || true)
  if [ "$last" = "counted by this replica alone" ]; then echo local; else echo redis; fi
}
fallbacks() { grep -c 'counted by this replica alone' "$WORK/gateway-ratelimit.log" || true; }
for _ in $(seq 1 40); do
  status -H "Authorization: Bearer $ES_TOKEN" "$base/api/x" >/dev/null
  sleep 0.25  # the console logger writes asynchronously
  [ "$(rate_limit_store)" = redis ] && break
done
FALLBACKS_BEFORE=$(fallbacks)
check "gateway-ratelimit: limited route, 1st → 200" 200 "$(status -H "Authorization: Bearer $RS_TOKEN" "$base/limited/x")"
check "gateway-ratelimit: limited route, 2nd → 200" 200 "$(status -H "Authorization: Bearer $RS_TOKEN" "$base/limited/x")"
check "gateway-ratelimit: limited route, 3rd → 429" 429 "$(status -H "Authorization: Bearer $RS_TOKEN" "$base/limited/x")"
check "gateway-ratelimit: RateLimit-Policy on the 429" '"check";q=2;w=3600' "$(curl -s -D - -o /dev/null -H "Authorization: Bearer $RS_TOKEN" "$base/limited/x" | tr -d '\r' | awk -F': ' 'tolower($1)=="ratelimit-policy" {print $2}')"
check "gateway-ratelimit: counted in Redis, not locally" "redis, $FALLBACKS_BEFORE" "$(rate_limit_store), $(fallbacks)"
check "gateway-ratelimit: claim headers forwarded" "$EXPECTED_ECHO" "$(curl -s -H "Authorization: Bearer $RS_TOKEN" "$base/api/echo")"
fi

if measured gateway-introspection; then
base="http://127.0.0.1:$GWIN_PORT"; OPAQUE_TOKEN=$(head -n1 "$WORK/opaque-many.txt")
check "gateway-introspection: opaque token → 200" 200 "$(status -H "Authorization: Bearer $OPAQUE_TOKEN" "$base/api/x")"
check "gateway-introspection: claim headers from the introspection answer" "$EXPECTED_ECHO" "$(curl -s -H "Authorization: Bearer $OPAQUE_TOKEN" "$base/api/echo")"
check "gateway-introspection: one call for a repeated token (cached)" 1 "$(introspection_calls)"
check "gateway-introspection: JWT on the same route → 200" 200 "$(status -H "Authorization: Bearer $RS_TOKEN" "$base/api/x")"
check "gateway-introspection: JWT claim headers forwarded" "$EXPECTED_ECHO" "$(curl -s -H "Authorization: Bearer $RS_TOKEN" "$base/api/echo")"
check "gateway-introspection: forged JWT → 401" 401 "$(status -H "Authorization: Bearer $BAD_TOKEN" "$base/api/x")"
check "gateway-introspection: JWTs are not introspected" 1 "$(introspection_calls)"
fi

# DPoP: proofs for client 0 and 1 (token lines 1 and 2) on /api/x, and for client 0 on /api/echo.
if measured gateway-dpop; then
base="http://127.0.0.1:$GWDP_PORT"
dpop_proofs /api/x 2 "$WORK/check-proofs.txt"; dpop_proofs /api/echo 1 "$WORK/check-echo-proofs.txt"
DPOP_TOKEN=$(sed -n 1p "$WORK/dpop-tokens.txt"); DPOP_TOKEN_2=$(sed -n 2p "$WORK/dpop-tokens.txt")
PROOF=$(sed -n 1p "$WORK/check-proofs.txt"); PROOF_2=$(sed -n 2p "$WORK/check-proofs.txt")
check "gateway-dpop: bound token + fresh proof → 200" 200 "$(status -H "Authorization: DPoP $DPOP_TOKEN" -H "DPoP: $PROOF" "$base/api/x")"
check "gateway-dpop: the same proof again (replay) → 401" 401 "$(status -H "Authorization: DPoP $DPOP_TOKEN" -H "DPoP: $PROOF" "$base/api/x")"
check "gateway-dpop: proof for another URL → 401" 401 "$(status -H "Authorization: DPoP $DPOP_TOKEN_2" -H "DPoP: $PROOF_2" "$base/api/echo")"
check "gateway-dpop: bound token as Bearer → 401" 401 "$(status -H "Authorization: Bearer $DPOP_TOKEN" "$base/api/x")"
check "gateway-dpop: claim headers forwarded (DPoP)" "$EXPECTED_ECHO" "$(curl -s -H "Authorization: DPoP $DPOP_TOKEN" -H "DPoP: $(cat "$WORK/check-echo-proofs.txt")" "$base/api/echo")"
check "gateway-dpop: plain bearer token → 200" 200 "$(status -H "Authorization: Bearer $(head -n1 "$WORK/dpop-bearer.txt")" "$base/api/x")"
fi

# The floor checks the signature only (no claims, no headers): what it must refuse and pass.
if measured floor-proxy; then
  base="http://127.0.0.1:$FLOOR_PORT"
  check "floor-proxy: no token → 401" 401 "$(status "$base/api/x")"
  check "floor-proxy: forged RS256 token → 401" 401 "$(status -H "Authorization: Bearer $BAD_TOKEN" "$base/api/x")"
  check "floor-proxy: RS256 token → 200" 200 "$(status -H "Authorization: Bearer $RS_TOKEN" "$base/api/x")"
  check "floor-proxy: ES256 token → 200" 200 "$(status -H "Authorization: Bearer $ES_TOKEN" "$base/api/x")"
fi

# ---- load ----
RESULTS="$WORK/results.jsonl"; RSS="$WORK/rss.txt"; : >"$RESULTS"; : >"$RSS"

# DPoP proofs are single-use and signed with a fresh iat just before each dpop-proof run: enough for the run at
# DPOP_RATE requests/s. The first run (the scenario's warm-up) assumes 25,000/s; after each run the plan is
# 1.5 × the best rate seen (at least 10,000/s). A run that outruns its proofs replays them: 401s, shown as non-2xx.
DPOP_RATE=${DPOP_RATE:-25000}
wrk_args() { # scenario target → wrk options, then "--", then the Lua script's arguments
  case "$1:$2" in
    same-token:*) echo "-H|Authorization: Bearer $RS_TOKEN" ;;
    distinct-tokens:*|ratelimit-redis:*|introspection:bare-yarp|introspection:introspection-jwt) echo "-s|$LOAD/rotate.lua|--|$WORK/rs256-many.txt" ;;
    es256:*|miss-es256:*) echo "-s|$LOAD/rotate.lua|--|$WORK/es256-many.txt" ;;
    miss-rs256:*|cold-start:*) echo "-s|$LOAD/rotate.lua|--|$WORK/rs256-many.txt" ;;
    invalid-10pct:*) echo "-s|$LOAD/rotate.lua|--|$WORK/mixed.txt" ;;
    introspection:introspection-opaque) echo "-s|$LOAD/rotate.lua|--|$WORK/opaque-many.txt" ;;
    dpop:dpop-proof) echo "-s|$LOAD/dpop.lua|--|$WORK/dpop-tokens.txt|$WORK/dpop-proofs.txt" ;;
    dpop:*) echo "-s|$LOAD/rotate.lua|--|$WORK/dpop-bearer.txt" ;;
  esac
}

run_wrk() { # target scenario seconds → wrk output
  local url="http://127.0.0.1:${PORT[$1]}/api/x" args=() options=() script_args=() seen=0 a
  IFS='|' read -r -a args <<<"$(wrk_args "$2" "$1")"
  for a in "${args[@]}"; do
    if [ "$a" = -- ]; then seen=1; elif [ $seen = 1 ]; then script_args+=("$a"); else options+=("$a"); fi
  done
  if [ "$1" = dpop-proof ]; then
    dpop_proofs /api/x "$(( DPOP_RATE * $3 + 1000 ))" "$WORK/dpop-proofs.txt"
  fi
  if [ "${#script_args[@]}" -gt 0 ]; then
    taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"${3}s" --latency "${options[@]}" "$url" -- "${script_args[@]}"
  else
    taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -d"${3}s" --latency "${options[@]}" "$url"
  fi
}
best_dpop_rps=0
plan_dpop_proofs() { # output of a dpop-proof run
  local rps; rps=$(awk '/^Requests\/sec:/ {printf "%d", $2}' <<<"$1"); rps=${rps:-0}
  [ "$rps" -gt "$best_dpop_rps" ] && best_dpop_rps=$rps
  DPOP_RATE=$(( best_dpop_rps * 3 / 2 > 10000 ? best_dpop_rps * 3 / 2 : 10000 ))
}

to_ms() { awk '{ v=$1; if (v ~ /us$/) { sub(/us$/,"",v); print v/1000 } else if (v ~ /ms$/) { sub(/ms$/,"",v); print v } else if (v ~ /s$/) { sub(/s$/,"",v); print v*1000 } else print v }'; }

record() { # target scenario round output
  local rps p50 p99 requests non2xx
  rps=$(awk '/^Requests\/sec:/ {print $2}' <<<"$4")
  p50=$(awk '$1=="50%" {print $2}' <<<"$4" | to_ms)
  p99=$(awk '$1=="99%" {print $2}' <<<"$4" | to_ms)
  requests=$(awk '/requests in/ {print $1}' <<<"$4")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ {print $5}' <<<"$4"); non2xx=${non2xx:-0}
  printf '{"target":"%s","scenario":"%s","round":%d,"rps":%s,"p50_ms":%s,"p99_ms":%s,"requests":%s,"non2xx":%s,"baseline":"%s","loadavg":%s}\n' \
    "$1" "$2" "$3" "${rps:-0}" "${p50:-0}" "${p99:-0}" "${requests:-0}" "$non2xx" "${BASELINE_OF[$1]:-}" "$(cut -d' ' -f1 /proc/loadavg)" >>"$RESULTS"
  printf 'load:   %-9s %-15s %-20s round %d: %10s req/s  p50 %8s ms  p99 %8s ms  non-2xx %s\n' "" "$2" "$1" "$3" "${rps:-?}" "${p50:-?}" "${p99:-?}" "$non2xx"
  if [ "$1" = dpop-proof ] && [ "$non2xx" != 0 ]; then
    echo "load:   WARNING: dpop-proof had $non2xx refusals: proofs ran out (raise DPOP_RATE) or were refused (KEEP_WORK=1 keeps gateway-dpop.log)" >&2
  fi
}

echo "load: warm-up, ${WARMUP}s per target under load (same token; gateway-miss and floor-proxy: the miss load, RS256 then ES256)"
for t in "${PROCESSES[@]}"; do
  [ -n "${WARM[$t]:-}" ] || continue
  if [ "$t" = gateway-miss ] || [ "$t" = floor-proxy ]; then
    run_wrk "$t" miss-rs256 $(( (WARMUP + 1) / 2 )) >/dev/null; run_wrk "$t" miss-es256 $(( (WARMUP + 1) / 2 )) >/dev/null
  else
    run_wrk "$t" same-token "$WARMUP" >/dev/null
  fi
done

# The floor's verification cost, on the target's CPU while no target is loaded: µs per RS256 or ES256 verification.
verify_cost() { # scenario round
  local file=$WORK/rs256-many.txt us
  [ "$1" = miss-es256 ] && file=$WORK/es256-many.txt
  us=$(taskset -c "$TARGET_CPU" dotnet "$ROOT/tests/Benchmarks/BenchTokens/bin/Release/net10.0/BenchTokens.dll" verify-cost "$WORK" "$file" "$VERIFY_SECONDS")
  printf '{"target":"verify","scenario":"%s","round":%d,"verify_us":%s,"loadavg":%s}\n' "$1" "$2" "$us" "$(cut -d' ' -f1 /proc/loadavg)" >>"$RESULTS"
  printf 'load:   %-9s %-15s %-20s round %d: %10s µs per verification (floor: bare YARP + this)\n' "" "$1" verify "$2" "$us"
}

# cold-start: for each variant, a replica started for the ready time, and one started under load from its first moment;
# then the warm gateway under the same load for as long (its rate is the steady state of the same round).
cold_round() { # round
  local round=$1 variant port out wrk_file
  local shift_by=$(( (round - 1) % ${#COLD_VARIANTS[@]} ))
  local order=("${COLD_VARIANTS[@]:$shift_by}" "${COLD_VARIANTS[@]:0:$shift_by}")
  for variant in "${order[@]}"; do
    local environment=() binary="$WORK/publish-${COLD_PUBLISH[$variant]}/Gateway"
    [ -n "${COLD_ENV[$variant]}" ] && IFS=, read -r -a environment <<<"${COLD_ENV[$variant]}"
    port=$(free_port)
    out=$(cd "$WORK" && taskset -c "$LOAD_CPU" python3 "$LOAD/coldstart.py" ready "$port" -- env "${environment[@]}" taskset -c "$TARGET_CPU" \
      "$binary" --config "$WORK/gateway-cold.json" --environment Production --urls "http://127.0.0.1:$port")
    port=$(free_port); wrk_file="$WORK/cold-wrk-args"
    printf '%s\0' taskset -c "$LOAD_CPU" wrk -t1 -c"$CONNECTIONS" -s "$LOAD/coldstart.lua" "http://127.0.0.1:$port/api/x" -- "$WORK/rs256-many.txt" >"$wrk_file"
    out="$out $(cd "$WORK" && taskset -c "$LOAD_CPU" python3 "$LOAD/coldstart.py" load "$port" "$COLD_SECONDS" "$wrk_file" -- env "${environment[@]}" taskset -c "$TARGET_CPU" \
      "$binary" --config "$WORK/gateway-cold.json" --environment Production --urls "http://127.0.0.1:$port")"
    python3 - "$variant" "$round" "$out" "$COLD_SECONDS" "${COLD_ENV[$variant]}" >>"$RESULTS" <<'PY2'
import json, sys
ready, load = (json.loads(part) for part in sys.argv[3].replace("} {", "}\n{").splitlines())
print(json.dumps({"target": sys.argv[1], "scenario": "cold-start", "round": int(sys.argv[2]), "seconds": int(sys.argv[4]), "env": sys.argv[5], **ready, **load}))
PY2
    printf 'load:   %-9s %-15s %-20s round %d: %s\n' "" cold-start "$variant" "$round" "$(tail -n1 "$RESULTS")"
  done
  out=$(run_wrk gateway cold-start "$COLD_SECONDS")
  record gateway cold-start "$round" "$out"
}

for scenario in "${SCENARIOS[@]}"; do
  echo "load: scenario $scenario"
  read -r -a TARGETS <<<"$(targets_of "$scenario")"
  if [ "$scenario" = cold-start ]; then
    # Prime Redis: one replica loads the keys from the identity provider and shares them; every measured one finds them.
    port=$(free_port)
    out=$(cd "$WORK" && taskset -c "$LOAD_CPU" python3 "$LOAD/coldstart.py" ready "$port" -- taskset -c "$TARGET_CPU" \
      "$WORK/publish-${COLD_PUBLISH[${COLD_VARIANTS[0]}]}/Gateway" --config "$WORK/gateway-cold.json" --environment Production --urls "http://127.0.0.1:$port" || true)
    echo "load:   priming Redis (a first replica loads the keys from the identity provider): $out"
    [ "$(redis-cli -p "$REDIS_PORT" --scan --pattern 'bench-cold:*' | wc -l)" -gt 0 ] || { echo "load: cold-start: no keys in Redis after priming" >&2; exit 1; }
    for round in $(seq 1 "$ROUNDS"); do cold_round "$round"; done
    continue
  fi
  for t in "${TARGETS[@]}"; do
    out=$(run_wrk "$t" "$scenario" "$SCENARIO_WARMUP")
    if [ "$t" = dpop-proof ]; then plan_dpop_proofs "$out"; fi
  done
  # Cached vs cached: until every opaque token has been introspected once (a short warm-up on a busy machine may not
  # get through all of them), warm both token kinds again, at most 10 times.
  extra=0
  while [ "$scenario" = introspection ] && [ "$(introspection_calls)" -lt "$DISTINCT" ] && [ $extra -lt 10 ]; do
    for t in introspection-jwt introspection-opaque; do run_wrk "$t" "$scenario" "$SCENARIO_WARMUP" >/dev/null; done
    extra=$((extra + 1))
  done
  calls_before_rounds=$(introspection_calls)
  for round in $(seq 1 "$ROUNDS"); do
    # Interleave, and rotate the order every round so no target always runs first or last.
    shift_by=$(( (round - 1) % ${#TARGETS[@]} ))
    order=("${TARGETS[@]:$shift_by}" "${TARGETS[@]:0:$shift_by}")
    case "$scenario" in miss-*) verify_cost "$scenario" "$round" ;; esac
    for t in "${order[@]}"; do
      out=$(run_wrk "$t" "$scenario" "$DURATION")
      record "$t" "$scenario" "$round" "$out"
      if [ "$t" = dpop-proof ]; then plan_dpop_proofs "$out"; fi
    done
  done
  for t in "${TARGETS[@]}"; do
    process=${PROCESS_OF[$t]:-$t}
    echo "$scenario $t $(awk '/^VmHWM:/ {print $2}' "/proc/${PID_OF[$process]}/status")" >>"$RSS"
  done
  if [ "$scenario" = introspection ]; then
    # One call per distinct opaque token while its answer is cached: the rounds should be served from the cache.
    echo "load:   introspection calls (nginx): $calls_before_rounds up to the measured rounds, $(( $(introspection_calls) - calls_before_rounds )) during them (0: the rounds were served from the cache)"
  fi
done

echo
echo "## Load benchmark ($MODE mode, $(date -u +%Y-%m-%d), $(nproc) cores, ${CONNECTIONS} connections, target on CPU $TARGET_CPU, wrk+nginx on CPU $LOAD_CPU, gateway build $GATEWAY_BUILD; load average now $(cut -d' ' -f1-3 /proc/loadavg))"
echo
python3 "$LOAD/report.py" "$RESULTS" "$RSS"
echo
echo "Peak RSS is the process's high-water mark (VmHWM) at the end of the scenario, so it includes earlier scenarios."
[ "$MODE" = quick ] && echo "Quick mode: a few seconds per target with almost no warm-up. These figures are NOT steady state; use the full mode for real numbers."
if [ -n "${RESULTS_OUT:-}" ]; then cp "$RESULTS" "$RESULTS_OUT"; fi
