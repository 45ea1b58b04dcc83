#!/usr/bin/env bash
# deploy/kube-play-check.sh: runs each overlay's rendered Deployment with `podman kube play` (no cluster), with
# the offline-built image, and checks that the pod serves. What podman cannot do as kubelet does (and the
# adjustments this script makes for it) is in docs/deployment.md, "Running the manifests with podman".
#
#  1. installs podman, buildah, runc, catatonit when missing (apt); builds deploy/Dockerfile.offline exactly as
#     deploy/container-check.sh does (self-contained publish + the libraries it loads, FROM scratch), tagged
#     with each overlay's image name, in a private container store;
#  2. per overlay (dev, prod): renders it through a temporary kustomization that only adapts it to podman on
#     this machine: one replica, no containerPorts, loopback listen addresses, the issuer and the downstreams
#     on loopback test servers, no in-cluster Redis Deployment; the Secret is created as a podman secret in
#     the JSON form podman 4.3 reads (a Secret in the played YAML trips podman bug #16269);
#  3. `podman kube play --network host`, then checks: the container runs as 1654 with a read-only root, the
#     readiness probe's path answers 200 on the probe's port (not on the public one), a token is forwarded
#     (200) and a request without one refused (401), the logs are JSON lines, an edited ConfigMap file is
#     hot-reloaded, `podman stop` (SIGTERM, then SIGKILL after terminationGracePeriodSeconds) drains for
#     ShutdownDelay and exits 0 before the grace period;
#  4. removes everything it created. Needs root (podman) and apt, so it is not part of tests/run.sh.
#
# Usage: bash deploy/kube-play-check.sh          Bounded by KUBE_PLAY_CHECK_TIMEOUT (default 900 s); no stdin.
set -euo pipefail

if [ -z "${KUBE_PLAY_CHECK_BOUNDED:-}" ]; then
  export KUBE_PLAY_CHECK_BOUNDED=1
  exec timeout --kill-after=20 "${KUBE_PLAY_CHECK_TIMEOUT:-900}" bash "$0" "$@" </dev/null
fi

cd "$(dirname "$0")/.."
REPO="$PWD"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
export DEBIAN_FRONTEND=noninteractive
WORK="$(mktemp -d -t jwt-gateway-kube-play.XXXXXX)"
STORE=(--root "$WORK/storage" --runroot "$WORK/runroot")
PIDS=()
passed=0
failed=0
say() { printf 'kube-play-check: %s\n' "$*"; }
ok() { passed=$((passed + 1)); printf '  ok   %s\n' "$*"; }
bad() { failed=$((failed + 1)); printf '  FAIL %s\n' "$*"; }
check() { local description="$1"; shift; if "$@"; then ok "$description"; else bad "$description"; fi; }
die() { bad "$*"; exit 1; }
pod() { podman "${STORE[@]}" "$@"; }

cleanup() {
  local status=$?
  set +e
  if [ -d "$WORK/storage" ]; then
    pod pod rm -f -a >/dev/null 2>&1
    pod rm -f -a >/dev/null 2>&1
    pod volume rm -f -a >/dev/null 2>&1
    pod secret ls -q 2>/dev/null | xargs -r podman "${STORE[@]}" secret rm >/dev/null 2>&1
    pod rmi -f -a >/dev/null 2>&1
    buildah "${STORE[@]}" rm --all >/dev/null 2>&1
    grep -o " $WORK/[^ ]*" /proc/mounts | sort -r | while read -r m; do umount -l "$m" 2>/dev/null; done
  fi
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  rm -rf "$WORK"
  echo "kube-play-check: $passed passed, $failed failed"
  if [ "$status" = "0" ] && [ "$failed" != "0" ]; then status=1; fi
  exit "$status"
}
trap cleanup EXIT
trap 'bad "interrupted (KUBE_PLAY_CHECK_TIMEOUT or a signal)"; exit 143' TERM INT

# ---------------------------------------------------------------------------------------------- install
SUDO=""
if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
missing=()
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]; }
for tool in podman buildah runc catatonit curl python3 openssl kubectl; do have "$tool" || missing+=("$tool"); done
python3 -c 'import yaml' 2>/dev/null || missing+=(python3-yaml)
if [ "${#missing[@]}" -gt 0 ]; then
  have kubectl || die "kubectl (with its built-in kustomize) is required and not installed"
  say "installing ${missing[*]}"
  $SUDO apt-get update -qq || true
  timeout 600 $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
say "podman $(podman --version | awk '{print $3}')"
cat >"$WORK/containers.conf" <<'EOF'
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
netns = "host"
[engine]
runtime = "runc"
EOF
export CONTAINERS_CONF="$WORK/containers.conf"

# ------------------------------------------------------------------ image (as deploy/container-check.sh)
say "publishing the gateway and building deploy/Dockerfile.offline"
mkdir -p "$WORK/src" "$WORK/ctx/rootfs"
cp Directory.Build.props Directory.Packages.props "$WORK/src/"
tar -C "$REPO" --exclude='gateway/bin' --exclude='gateway/obj' --exclude='.dev-issuer' -cf - gateway | tar -C "$WORK/src" -xf -
(cd "$WORK/src" \
  && timeout 300 dotnet restore gateway/Gateway.csproj -r linux-x64 -p:SelfContained=true -nologo -v:q >/dev/null \
  && timeout 300 dotnet publish gateway/Gateway.csproj -c Release -r linux-x64 --self-contained --no-restore \
       -p:InvariantGlobalization=true -p:DebugType=none -o "$WORK/ctx/app" -nologo -v:q -clp:ErrorsOnly >/dev/null \
  && rm -f "$WORK/ctx/app/"*.staticwebassets.endpoints.json) || die "dotnet publish"
ROOTFS="$WORK/ctx/rootfs"
libs="$(
  { ldd "$WORK/ctx/app/Gateway"; for so in "$WORK/ctx/app/"*.so; do ldd "$so" 2>/dev/null || true; done; } \
    | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\/.*ld-linux/ {print $1}'
  for soname in libssl.so.3 libcrypto.so.3 libz.so.1; do ldconfig -p | awk -v n="$soname" '$1 == n && /x86-64/ {print $NF; exit}'; done
)"
for lib in $(printf '%s\n' "$libs" | sort -u); do cp -L --parents "$lib" "$ROOTFS/"; done
mkdir -p "$ROOTFS/etc/ssl/certs" "$ROOTFS/tmp" && chmod 1777 "$ROOTFS/tmp"
cp -L /etc/ssl/certs/ca-certificates.crt "$ROOTFS/etc/ssl/certs/"
printf 'root:x:0:0:root:/root:/sbin/nologin\napp:x:1654:1654:app:/tmp:/sbin/nologin\n' >"$ROOTFS/etc/passwd"
printf 'root:x:0:\napp:x:1654:\n' >"$ROOTFS/etc/group"
timeout 300 buildah "${STORE[@]}" bud --quiet --layers=false -f "$REPO/deploy/Dockerfile.offline" -t localhost/jwt-gateway-kube-play "$WORK/ctx" >/dev/null \
  || die "buildah bud deploy/Dockerfile.offline"
ok "image built (FROM scratch)"

# ------------------------------------------------------------------------------------- test servers
TESTKIT="$REPO/deploy/testkit/testkit.py"
free() { python3 "$TESTKIT" free-port; }
IDP=$(free); ECHO=$(free)
mkdir -p "$WORK/idp"
python3 "$TESTKIT" keygen "$WORK/idp"
(cd "$WORK/idp" && exec python3 -m http.server "$IDP" --bind 127.0.0.1 >/dev/null 2>&1) &
PIDS+=($!)
(exec python3 "$TESTKIT" serve-echo "$ECHO" 2>/dev/null) &
PIDS+=($!)

# ---------------------------------------------------------------------------------------- per overlay
play_overlay() { # play_overlay NAME
  local name="$1" dir="$WORK/play-$1" gw mg issuer_path
  gw=$(free); mg=$(free)
  mkdir -p "$dir"
  local rel; rel="$(realpath --relative-to="$dir" "$REPO/deploy/k8s")"
  # Only what podman on this machine needs; the rendered pod spec is otherwise untouched.
  cat >"$dir/kustomization.yaml" <<EOF
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - $rel/overlays/$name
patches:
  - target: { kind: Deployment, name: jwt-gateway }
    patch: |-
      - { op: replace, path: /spec/replicas, value: 1 }
      - { op: remove, path: /spec/template/spec/containers/0/ports }
      - { op: add, path: /spec/template/spec/containers/0/env/-, value: { name: Urls, value: "http://127.0.0.1:$gw" } }
      - { op: add, path: /spec/template/spec/containers/0/env/-, value: { name: Gateway__Management__Url, value: "http://127.0.0.1:$mg" } }
EOF
  kubectl kustomize "$dir" >"$dir/rendered.yaml" 2>"$dir/err" || { bad "$name: kubectl kustomize"; cat "$dir/err"; return; }
  # Split: issuer and downstreams on loopback (env), Secrets as podman secrets, no Redis Deployment.
  python3 - "$dir" "$IDP" "$ECHO" <<'EOF' || { bad "$name: preparing the YAML"; return; }
import base64, json, os, sys, yaml
directory, idp, echo = sys.argv[1], sys.argv[2], sys.argv[3]
docs = [d for d in yaml.safe_load_all(open(os.path.join(directory, "rendered.yaml"))) if d]
gateway = next(d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "jwt-gateway")
container = gateway["spec"]["template"]["spec"]["containers"][0]
config_map = next(d for d in docs if d["kind"] == "ConfigMap")
config = json.loads(config_map["data"]["gateway.json"])
env = container["env"]
for issuer_name, issuer in config["Gateway"]["Issuers"].items():
    authority = f"http://127.0.0.1:{idp}/{issuer_name}"
    env += [{"name": f"Gateway__Issuers__{issuer_name}__Authority", "value": authority},
            {"name": f"Gateway__Issuers__{issuer_name}__RequireHttpsMetadata", "value": "false"}]
    os.makedirs(os.path.join(directory, "..", "idp", issuer_name, ".well-known"), exist_ok=True)
    with open(os.path.join(directory, "..", "idp", issuer_name, ".well-known", "openid-configuration"), "w") as f:
        json.dump({"issuer": authority, "jwks_uri": f"{authority}/jwks.json"}, f)
    with open(os.path.join(directory, "..", "idp", "jwks.json")) as src, open(os.path.join(directory, "..", "idp", issuer_name, "jwks.json"), "w") as dst:
        dst.write(src.read())
    open(os.path.join(directory, "issuer"), "w").write(f"{authority} {issuer.get('Audiences', ['api'])[0]}")
for cluster_name, cluster in config["ReverseProxy"]["Clusters"].items():
    for destination in cluster["Destinations"]:
        env.append({"name": f"ReverseProxy__Clusters__{cluster_name}__Destinations__{destination}__Address", "value": f"http://127.0.0.1:{echo}/"})
route = next(iter(config["ReverseProxy"]["Routes"].values()))
policy = config["Gateway"].get("Policies", {}).get(route.get("Metadata", {}).get("Policy", ""), {})
open(os.path.join(directory, "route"), "w").write(route["Match"]["Path"].replace("{**rest}", "x") + " " + ",".join(policy.get("Scopes", [])))
secrets = {d["metadata"]["name"]: d for d in docs if d["kind"] == "Secret"}
wanted = {}
for e in env:
    ref = e.get("valueFrom", {}).get("secretKeyRef")
    if ref:
        wanted.setdefault(ref["name"], {})[ref["key"]] = secrets[ref["name"]]["data"][ref["key"]].replace("\n", "") if ref["name"] in secrets else None
for secret_name, keys in wanted.items():
    # A Secret created outside the overlay (prod): stand-in values of the documented shape, Redis on a closed port.
    stand_in = {"configuration": "127.0.0.1:1,password=stand-in,abortConnect=false", "integrity-key": "stand-in-integrity-key-".ljust(64, "0")}
    data = {k: v if v is not None else base64.b64encode(stand_in[k].encode()).decode() for k, v in keys.items()}
    json.dump(data, open(os.path.join(directory, f"secret-{secret_name}.json"), "w"))
grace = gateway["spec"]["template"]["spec"].get("terminationGracePeriodSeconds", 30)
probe = container["readinessProbe"]["httpGet"]["path"]
open(os.path.join(directory, "pod"), "w").write(f"{grace} {probe} {gateway['metadata']['name']}")
keep = [d for d in docs if d["kind"] in ("ConfigMap",) or d is gateway]
yaml.safe_dump_all(keep, open(os.path.join(directory, "play.yaml"), "w"))
EOF
  for file in "$dir"/secret-*.json; do
    [ -e "$file" ] || continue
    local secret="${file##*/secret-}"; secret="${secret%.json}"
    pod secret create "$secret" "$file" >/dev/null || bad "$name: podman secret create $secret"
  done
  local grace probe deployment route scopes authority audience
  read -r grace probe deployment <"$dir/pod" || true # no trailing newline
  read -r route scopes <"$dir/route" || true
  read -r authority audience <"$dir/issuer" || true
  local image; image="$(awk '/^ *image: /{print $2; exit}' "$dir/play.yaml")"
  pod tag localhost/jwt-gateway-kube-play "$image" >/dev/null

  say "$name: podman kube play ($image)"
  timeout 120 podman "${STORE[@]}" kube play --network host "$dir/play.yaml" >"$dir/play.log" 2>&1 || { bad "$name: podman kube play"; cat "$dir/play.log"; return; }
  local ctr; ctr="$(pod ps -a --format '{{.Names}}' | grep -- '-gateway$' | head -1)"
  local token; token="$(python3 "$TESTKIT" token "$WORK/idp" "$authority" "$audience" alice "${scopes//,/ }")"
  local deadline=$((SECONDS + 60))
  until [ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$mg$probe")" = 200 ]; do
    [ "$SECONDS" -lt "$deadline" ] || { bad "$name: $probe on the management port never answered 200"; pod logs "$ctr" 2>&1 | tail -20; return; }
    sleep 0.5
  done
  ok "$name: pod running; readiness $probe answers 200 on the probes' (management) port"
  check "$name: container user 1654:1654, read-only root" test "$(pod inspect -f '{{.Config.User}} {{.HostConfig.ReadonlyRootfs}}' "$ctr")" = "1654:1654 true"
  check "$name: $probe on the public port answers 404" test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$gw$probe")" = 404
  check "$name: GET $route with a token → 200" test "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "http://127.0.0.1:$gw$route")" = 200
  check "$name: GET $route without a token → 401" test "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$gw$route")" = 401

  # podman writes the ConfigMap into a volume as plain files when the pod starts and never updates it: edit it
  # on the host (no kubelet symlink swap here; run-pods.mjs in k8s-check.sh checks that).
  local volume; volume="$(pod inspect -f '{{range .Mounts}}{{if eq .Destination "/app/config"}}{{.Source}}{{end}}{{end}}' "$ctr")"
  python3 - "$volume/gateway.json" <<'EOF'
import json, sys
c = json.load(open(sys.argv[1]))
c["ReverseProxy"]["Routes"]["kube-play-reload"] = dict(next(iter(c["ReverseProxy"]["Routes"].values())), Match={"Path": "/kube-play-reload/{**rest}"})
open(sys.argv[1], "w").write(json.dumps(c))
EOF
  local reloaded=no
  for _ in $(seq 40); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "http://127.0.0.1:$gw/kube-play-reload/x")" = 200 ]; then reloaded=yes; break; fi
    sleep 0.5
  done
  check "$name: an edit of the ConfigMap volume's file is hot-reloaded (a new route answers 200)" test "$reloaded" = yes

  local started=$SECONDS
  pod stop -t "$grace" "$ctr" >/dev/null 2>&1
  local took=$((SECONDS - started)) code; code="$(pod inspect -f '{{.State.ExitCode}}' "$ctr")"
  check "$name: podman stop (SIGTERM, SIGKILL after ${grace} s): exit code 0 after ${took} s (ShutdownDelay, < grace)" test "$code" = 0 -a "$took" -ge 9 -a "$took" -lt "$grace"
  pod logs "$ctr" >"$dir/gateway.log" 2>&1
  check "$name: every log line is a JSON object" python3 -c 'import json, sys; lines = [l for l in open(sys.argv[1]) if l.strip()]; assert lines and all(isinstance(json.loads(l), dict) for l in lines)' "$dir/gateway.log"
  pod kube down "$dir/play.yaml" >/dev/null 2>&1
  for file in "$dir"/secret-*.json; do
    [ -e "$file" ] || continue
    local secret="${file##*/secret-}"; pod secret rm "${secret%.json}" >/dev/null 2>&1
  done
}

for overlay in dev prod; do play_overlay "$overlay"; done
