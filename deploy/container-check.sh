#!/usr/bin/env bash
# deploy/container-check.sh: proves the container image's runtime contract on this machine, which has no
# registry to pull from and no Docker engine.
#
#  1. installs what it needs when missing (apt: podman buildah runc redis-server ...; npm linters in a temp dir);
#  2. lints deploy/Dockerfile and deploy/Dockerfile.offline (dockerfilelint, dockerfile-utils) and checks that
#     both declare the same runtime contract (ENV, USER, EXPOSE, WORKDIR, ENTRYPOINT);
#  3. publishes the gateway exactly as deploy/Dockerfile's build stage does (same files, same command) and
#     builds deploy/Dockerfile.offline (FROM scratch + the publish + the shared libraries it loads) with buildah;
#  4. runs the image with podman: --network host bound to 127.0.0.1, --read-only with only /tmp writable,
#     numeric non-root user, all capabilities dropped, config mounted read-only at /app/config, Redis settings
#     from an env file (as a Kubernetes Secret would give them), against a test identity provider (RS256
#     JWKS), a downstream echo server and a password-protected redis-server, all on loopback;
#  5. checks health endpoints, 200 with claim headers, 401 without a token, the user, the read-only root, the
#     shared key cache in Redis, `check-config` inside the image, and a SIGTERM stop that lets an in-flight
#     request finish;
#  6. removes everything it created (container, image, storage, servers, temp dir) and exits non-zero on any
#     failure. The whole run is bounded (CONTAINER_CHECK_TIMEOUT seconds, default 900); it needs no stdin.
#
# Usage: bash deploy/container-check.sh        (as root, or with sudo for apt-get)
set -euo pipefail

if [ -z "${CONTAINER_CHECK_BOUNDED:-}" ]; then
  export CONTAINER_CHECK_BOUNDED=1
  exec timeout --kill-after=20 "${CONTAINER_CHECK_TIMEOUT:-900}" bash "$0" "$@" </dev/null
fi

cd "$(dirname "$0")/.."
REPO="$PWD"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DEBIAN_FRONTEND=noninteractive

UID_APP=1654
IMAGE="localhost/jwt-gateway-check:$$"
NAME="jwt-gateway-check-$$"
WORK="$(mktemp -d -t jwt-gateway-container-check.XXXXXX)"
PIDS=()
passed=0
failed=0

say() { printf 'container-check: %s\n' "$*"; }
ok() { passed=$((passed + 1)); printf '  ok   %s\n' "$*"; }
bad() { failed=$((failed + 1)); printf '  FAIL %s\n' "$*"; }
check() { # check DESCRIPTION COMMAND...
  local description="$1"; shift
  if "$@"; then ok "$description"; else bad "$description"; fi
}
die() { bad "$*"; exit 1; }

# Private container storage under $WORK: nothing is left in the machine's shared image store, and parallel
# runs (or other users of podman here) never see our image.
STORE=(--root "$WORK/storage" --runroot "$WORK/runroot")
pod() { podman "${STORE[@]}" "$@"; }

cleanup() {
  local status=$?
  set +e
  if [ -d "$WORK/storage" ]; then
    pod rm -f -t 5 "$NAME" >/dev/null 2>&1
    pod rm -f -a >/dev/null 2>&1
    pod rmi -f "$IMAGE" >/dev/null 2>&1
    buildah "${STORE[@]}" rm --all >/dev/null 2>&1
    buildah "${STORE[@]}" rmi --all --force >/dev/null 2>&1
    # Overlay mounts that a killed run may have left behind, deepest first.
    grep -o " $WORK/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  fi
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  if [ -f "$WORK/redis.pid" ]; then kill "$(cat "$WORK/redis.pid")" 2>/dev/null; fi
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$WORK"
  echo "container-check: $passed passed, $failed failed"
  if [ "$status" = "0" ] && [ "$failed" != "0" ]; then status=1; fi
  exit "$status"
}
trap cleanup EXIT
trap 'bad "interrupted (CONTAINER_CHECK_TIMEOUT or a signal)"; exit 143' TERM INT

# ---------------------------------------------------------------------------------------------- install
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
missing=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }
have podman || missing+=(podman)
have buildah || missing+=(buildah)
have runc || missing+=(runc)
have redis-server || missing+=(redis-server)
have redis-cli || missing+=(redis-tools)
have python3 || missing+=(python3)
have openssl || missing+=(openssl)
have curl || missing+=(curl)
have node || missing+=(nodejs)
have npm || missing+=(npm)
[ -f /etc/ssl/certs/ca-certificates.crt ] || missing+=(ca-certificates)
if [ "${#missing[@]}" -gt 0 ]; then
  say "installing ${missing[*]}"
  $SUDO apt-get update -qq || true
  timeout 600 $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
say "podman $(podman --version | awk '{print $3}'), buildah $(buildah --version | awk '{print $3}')"

# Per MACHINE-NOTES: runc, host network namespace, explicit ulimits.
cat >"$WORK/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
netns = "host"
[engine]
runtime = "runc"
EOF
export CONTAINERS_CONF="$WORK/containers.conf"

# ------------------------------------------------------------------------------------------------- lint
say "linting the Dockerfiles"
(cd "$WORK" && timeout 300 npm install --prefix "$WORK/npm" --no-audit --no-fund --loglevel=error \
  dockerfilelint@1.8.0 dockerfile-utils@0.16.3 >/dev/null)
for file in deploy/Dockerfile deploy/Dockerfile.offline; do
  check "dockerfilelint $file" "$WORK/npm/node_modules/.bin/dockerfilelint" "$file"
  # dockerfile-utils exits 0 even when it reports problems: any output is a failure.
  out="$("$WORK/npm/node_modules/.bin/dockerfile-utils" lint "$file" 2>&1 || echo "exit code $?")"
  if [ -z "$out" ]; then ok "dockerfile-utils lint $file"; else bad "dockerfile-utils lint $file"; echo "$out"; fi
done

# The runtime contract lines of the last stage, continuation lines joined.
contract() {
  awk '/^FROM /{buf=""} {buf=buf $0 "\n"} END{printf "%s", buf}' "$1" \
    | sed -e ':a' -e '/\\$/N; s/\\\n[[:space:]]*/ /; ta' \
    | grep -E '^(ENV|USER|EXPOSE|WORKDIR|ENTRYPOINT) ' | tr -s ' '
}
if diff <(contract deploy/Dockerfile) <(contract deploy/Dockerfile.offline); then
  ok "deploy/Dockerfile and deploy/Dockerfile.offline declare the same runtime contract"
else
  bad "deploy/Dockerfile and deploy/Dockerfile.offline differ in ENV/USER/EXPOSE/WORKDIR/ENTRYPOINT"
fi
grep -q "^USER ${UID_APP}:${UID_APP}\$" deploy/Dockerfile || die "deploy/Dockerfile: USER is not ${UID_APP}:${UID_APP}"

# Files outside gateway/ that the project compiles in (the embedded schema, analyzer inputs) must be in the image's
# build context too: the Dockerfile copies each one, .dockerignore lets it through.
for file in $(grep -o 'Include="\.\.\\[^"]*"' gateway/Gateway.csproj | sed -e 's/^Include="\.\.\\//' -e 's/"$//' -e 's/\\/\//g'); do
  if grep -q "^COPY $file " deploy/Dockerfile && grep -qx "!$file" .dockerignore; then
    ok "deploy/Dockerfile copies $file (gateway/Gateway.csproj includes it)"
  else
    bad "gateway/Gateway.csproj includes $file, but deploy/Dockerfile does not COPY it or .dockerignore keeps it out"
  fi
done

# ---------------------------------------------------------------------------------------------- publish
say "publishing the gateway (self-contained linux-x64), as deploy/Dockerfile's build stage does"
mkdir -p "$WORK/src" "$WORK/ctx/rootfs"
# The same files the Dockerfile copies (and .dockerignore lets through); global.json stays out there too.
cp Directory.Build.props Directory.Packages.props .editorconfig "$WORK/src/"
tar -C "$REPO" --exclude='gateway/bin' --exclude='gateway/obj' --exclude='.dev-issuer' -cf - gateway | tar -C "$WORK/src" -xf -
# Plus the files outside gateway/ that the project includes (checked above against the Dockerfile's COPY lines).
grep -o 'Include="\.\.\\[^"]*"' gateway/Gateway.csproj | sed -e 's/^Include="\.\.\\//' -e 's/"$//' -e 's/\\/\//g' \
  | while read -r file; do cp --parents "$file" "$WORK/src/"; done
(cd "$WORK/src" \
  && timeout 300 dotnet restore gateway/Gateway.csproj -r linux-x64 -p:SelfContained=true -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true -nologo -v:q >/dev/null \
  && timeout 600 dotnet publish gateway/Gateway.csproj -c Release -r linux-x64 --self-contained --no-restore \
       -p:InvariantGlobalization=true -p:DebugType=none -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true -o "$WORK/ctx/app" -nologo -v:q -clp:ErrorsOnly >/dev/null \
  && rm -f "$WORK/ctx/app/"*.staticwebassets.endpoints.json) || die "dotnet publish"
ok "dotnet publish -r linux-x64 --self-contained -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true"
# The same publish options as deploy/Dockerfile's build stage (its restore and its publish).
for option in -p:SelfContained=true -p:InvariantGlobalization=true -p:DebugType=none -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true; do
  [ "$(grep -c -- "$option" deploy/Dockerfile)" -ge 1 ] || bad "deploy/Dockerfile's build stage lacks $option (this check publishes with it)"
done
for option in -p:PublishReadyToRun=true -p:PublishReadyToRunComposite=true; do
  [ "$(grep -c -- "$option" deploy/Dockerfile)" = 2 ] \
    && ok "deploy/Dockerfile restores and publishes with $option, as this check does" \
    || bad "deploy/Dockerfile: $option must be on both its restore and its publish"
done

# ------------------------------------------------------------------------------------------------ rootfs
ROOTFS="$WORK/ctx/rootfs"
libs="$(
  {
    ldd "$WORK/ctx/app/Gateway"
    for so in "$WORK/ctx/app/"*.so; do ldd "$so" 2>/dev/null || true; done
  } | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/.*ld-linux/ {print $1}'
  # Loaded with dlopen, so ldd does not list them: OpenSSL for TLS and hashing, zlib for compression.
  for soname in libssl.so.3 libcrypto.so.3 libz.so.1; do
    ldconfig -p | awk -v n="$soname" '$1 == n && /x86-64/ {print $NF; exit}'
  done
)"
for lib in $(printf '%s\n' "$libs" | sort -u); do
  cp -L --parents "$lib" "$ROOTFS/"
done
mkdir -p "$ROOTFS/etc/ssl/certs" "$ROOTFS/tmp"
chmod 1777 "$ROOTFS/tmp"
cp -L /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/"
printf 'root:x:0:0:root:/root:/sbin/nologin\napp:x:%s:%s:app:/tmp:/sbin/nologin\n' "$UID_APP" "$UID_APP" >"$ROOTFS/etc/passwd"
printf 'root:x:0:\napp:x:%s:\n' "$UID_APP" >"$ROOTFS/etc/group"
ok "staged $(printf '%s\n' "$libs" | sort -u | wc -l) shared libraries, CA certificates, user ${UID_APP}, /tmp"

# ------------------------------------------------------------------------------------------------- build
say "building $IMAGE from deploy/Dockerfile.offline"
timeout 300 buildah "${STORE[@]}" bud --quiet --layers=false -f "$REPO/deploy/Dockerfile.offline" -t "$IMAGE" "$WORK/ctx" >/dev/null \
  || die "buildah bud deploy/Dockerfile.offline"
ok "buildah bud (FROM scratch, $(pod image inspect -f '{{.Size}}' "$IMAGE" | awk '{printf "%d MB", $1/1000000}'))"
check "image user is ${UID_APP}:${UID_APP}" test "$(pod image inspect -f '{{.Config.User}}' "$IMAGE")" = "${UID_APP}:${UID_APP}"
check "image exposes 8080/tcp" grep -q '8080/tcp' <<<"$(pod image inspect -f '{{json .Config.ExposedPorts}}' "$IMAGE")"

# --------------------------------------------------------------------------------------- test servers
say "starting the test identity provider, downstream and redis-server on 127.0.0.1"
TESTKIT="$REPO/deploy/testkit/testkit.py"
port() { python3 "$TESTKIT" free-port; }
JWKS_PORT=$(port); ECHO_PORT=$(port); REDIS_PORT=$(port); GW_PORT=$(port)
mkdir -p "$WORK/idp" "$WORK/config" "$WORK/redis"
python3 "$TESTKIT" keygen "$WORK/idp"
(cd "$WORK" && exec python3 "$TESTKIT" serve-jwks "$JWKS_PORT" "$WORK/idp" 2>>"$WORK/idp.log") &
PIDS+=($!)
(cd "$WORK" && exec python3 "$TESTKIT" serve-echo "$ECHO_PORT" 2>>"$WORK/echo.log") &
PIDS+=($!)
REDIS_PASSWORD="check-$(openssl rand -hex 16)"
redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --requirepass "$REDIS_PASSWORD" --save '' --appendonly no \
  --daemonize yes --pidfile "$WORK/redis.pid" --logfile "$WORK/redis.log" --dir "$WORK/redis" >/dev/null
for _ in $(seq 50); do [ -s "$WORK/redis.pid" ] && break; sleep 0.1; done
[ -s "$WORK/redis.pid" ] || die "redis-server did not start"
ISSUER="https://idp.check.example"
AUDIENCE="gateway-check"

# The mounted configuration: a Production configuration (no development issuer), plain http allowed
# only because the identity provider is on loopback. Redis settings come from the env file below.
cat >"$WORK/config/gateway.json" <<EOF
{
  "Logging": { "LogLevel": { "Default": "Information", "Microsoft.AspNetCore": "Warning", "Yarp": "Warning", "System.Net.Http": "Warning" } },
  "Gateway": {
    "Issuers": {
      "check": { "JwksUri": "http://127.0.0.1:${JWKS_PORT}/jwks.json", "Issuer": "${ISSUER}", "Audiences": [ "${AUDIENCE}" ], "RequireHttpsMetadata": false, "Algorithms": [ "RS256" ] }
    },
    "Redis": { "KeyPrefix": "jwtgw:check:" },
    "ClaimHeaders": [
      { "Header": "X-User-Id", "Claim": "sub" },
      { "Header": "X-User-Scopes", "Claim": "scope" }
    ]
  },
  "ReverseProxy": {
    "Routes": { "api": { "ClusterId": "api", "Match": { "Path": "/api/{**rest}" } } },
    "Clusters": { "api": { "Destinations": { "echo": { "Address": "http://127.0.0.1:${ECHO_PORT}/" } } } }
  }
}
EOF
chmod 0644 "$WORK/config/gateway.json"
chmod 0755 "$WORK/config"
# Secrets as environment variables, the way the Kubernetes manifests pass them (secretKeyRef).
(umask 077 && cat >"$WORK/secrets.env" <<EOF
Gateway__Redis__Configuration=127.0.0.1:${REDIS_PORT},password=${REDIS_PASSWORD},abortConnect=false
Gateway__Redis__IntegrityKey=$(openssl rand -hex 32)
EOF
)

wait_http() { # wait_http URL SECONDS
  local deadline=$((SECONDS + $2))
  until curl -fsS -o /dev/null --max-time 2 "$1" 2>/dev/null; do
    [ "$SECONDS" -lt "$deadline" ] || return 1
    sleep 0.3
  done
}
wait_http "http://127.0.0.1:${JWKS_PORT}/jwks.json" 20 || die "test identity provider did not start"
wait_http "http://127.0.0.1:${ECHO_PORT}/" 20 || die "test downstream did not start"

# ----------------------------------------------------------------------------------------------- run
RUN_OPTS=(--network host --read-only --read-only-tmpfs=false --tmpfs "/tmp:rw,nosuid,nodev,size=64m,mode=1777"
  --user "${UID_APP}:${UID_APP}" --cap-drop ALL --security-opt no-new-privileges
  -v "$WORK/config:/app/config:ro" --env-file "$WORK/secrets.env")

say "check-config inside the image"
out="$(timeout 120 podman "${STORE[@]}" run --rm "${RUN_OPTS[@]}" "$IMAGE" check-config /app/config 2>&1)" \
  && grep -q '/app/config: valid (environment: Production; files: /app/config/gateway.json' <<<"$out" && ok "check-config /app/config: valid (environment: Production)" \
  || { bad "check-config in the image"; echo "$out"; }

say "running the gateway: read-only root, user ${UID_APP}, 127.0.0.1:${GW_PORT}"
pod run -d --name "$NAME" "${RUN_OPTS[@]}" -e "Urls=http://127.0.0.1:${GW_PORT}" "$IMAGE" >/dev/null || die "podman run"
GW="http://127.0.0.1:${GW_PORT}"
logs() { pod logs "$NAME" 2>&1 | tail -n 60; }
deadline=$((SECONDS + 60))
until curl -fsS -o /dev/null --max-time 2 "$GW/healthz/ready" 2>/dev/null; do
  if [ "$(pod inspect -f '{{.State.Running}}' "$NAME")" != "true" ] || [ "$SECONDS" -ge "$deadline" ]; then
    logs
    die "the gateway did not become ready"
  fi
  sleep 0.5
done
ok "ready after $((SECONDS + 60 - deadline)) s"

http() { # http OUTFILE CURL-ARGS... → prints the status code
  curl -sS --max-time 10 -o "$1" -D "$1.headers" -w '%{http_code}' "${@:2}"
}
body_is() { [ "$(cat "$1")" = "$2" ]; }

check "GET /healthz/live → 200 live" test "$(http "$WORK/r1" "$GW/healthz/live")" = 200
check "  body 'live'" body_is "$WORK/r1" live
check "GET /healthz/ready → 200 ready" test "$(http "$WORK/r2" "$GW/healthz/ready")" = 200
check "  body reports status ready and the issuer's keys loaded" grep -q '"status":"ready".*"keysLoaded":true' "$WORK/r2"

TOKEN="$(python3 "$TESTKIT" token "$WORK/idp" "$ISSUER" "$AUDIENCE" alice "orders:read orders:write")"
check "GET /api/orders/42 with a valid token → 200" test "$(http "$WORK/r3" -H "Authorization: Bearer $TOKEN" "$GW/api/orders/42")" = 200
check "  downstream got X-User-Id: alice" grep -q '"X-User-Id": "alice"' "$WORK/r3"
check "  downstream got X-User-Scopes: orders:read orders:write" grep -q '"X-User-Scopes": "orders:read orders:write"' "$WORK/r3"
check "  downstream got path /api/orders/42" grep -q '"path": "/api/orders/42"' "$WORK/r3"

check "GET /api/orders/42 without a token → 401" test "$(http "$WORK/r4" "$GW/api/orders/42")" = 401
check "  WWW-Authenticate: Bearer" grep -qi '^WWW-Authenticate: Bearer' "$WORK/r4.headers"
check "  problem+json" grep -qi '^Content-Type: application/problem+json' "$WORK/r4.headers"

EXPIRED="$(python3 "$TESTKIT" token "$WORK/idp" "$ISSUER" "$AUDIENCE" alice "orders:read" -600)"
check "an expired token → 401 invalid_token" test "$(http "$WORK/r5" -H "Authorization: Bearer $EXPIRED" "$GW/api/orders/42")" = 401
check "  error_description: the token is expired" grep -q 'the token is expired' "$WORK/r5.headers"

BOB="$(python3 "$TESTKIT" token "$WORK/idp" "$ISSUER" "$AUDIENCE" bob "orders:read")"
check "a client's own X-User-Id is replaced by the verified claim" test "$(http "$WORK/r6" -H "Authorization: Bearer $BOB" -H "X-User-Id: admin" "$GW/api/x")" = 200
check "  downstream got X-User-Id: bob" grep -q '"X-User-Id": "bob"' "$WORK/r6"

pid="$(pod inspect -f '{{.State.Pid}}' "$NAME")"
check "the gateway process runs as uid ${UID_APP}" test "$(awk '/^Uid:/ {print $2}' "/proc/$pid/status")" = "${UID_APP}"
check "the gateway process has no capabilities" test "$(awk '/^CapEff:/ {print $2}' "/proc/$pid/status")" = 0000000000000000
check "the root filesystem is read-only" test "$(pod inspect -f '{{.HostConfig.ReadonlyRootfs}}' "$NAME")" = true
check "the root filesystem refuses writes" grep -Eq '^[^ ]+ / [^ ]+ ro[, ]' "/proc/$pid/mounts"
check "/tmp is the writable tmpfs" grep -Eq '^[^ ]+ /tmp tmpfs rw[, ]' "/proc/$pid/mounts"

redis_keys="$(redis-cli -p "$REDIS_PORT" --no-auth-warning -a "$REDIS_PASSWORD" --scan --pattern 'jwtgw:check:keys:*' 2>&1)"
check "the signing keys were shared through Redis (password and integrity key from the env file)" grep -q '^jwtgw:check:keys:check:' <<<"$redis_keys"

# Log hygiene: nothing failed, and no token ever reached the log.
pod logs "$NAME" >"$WORK/gateway.log" 2>&1
check "no Error or Critical event in the gateway log" bash -c "! grep -Eq '^(fail|crit):|\"LogLevel\":\"(Error|Critical)\"' '$WORK/gateway.log'"
check "the gateway logs one JSON object per line (the image's default)" python3 -c 'import json, sys; lines = [l for l in open(sys.argv[1]) if l.strip()]; assert lines and all(json.loads(l).get("EventId") is not None for l in lines)' "$WORK/gateway.log"
check "no token in the gateway log" bash -c "! grep -qF '${TOKEN%%.*}' '$WORK/gateway.log'"

say "stopping with SIGTERM while a request is in flight (drain)"
curl -sS --max-time 20 -o "$WORK/r7" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$GW/api/slow?slow=3" >"$WORK/r7.status" 2>&1 &
slow=$!
sleep 1
started=$SECONDS
pod stop -t 30 "$NAME" >/dev/null
wait "$slow" || true
check "the in-flight request completed with 200 during shutdown" test "$(cat "$WORK/r7.status")" = 200
check "stopped on SIGTERM in $((SECONDS - started)) s with exit code 0" test "$(pod inspect -f '{{.State.ExitCode}}' "$NAME")" = 0

if [ "$failed" != "0" ]; then
  say "gateway log:"
  tail -n 60 "$WORK/gateway.log"
fi
[ "$failed" = "0" ]
