// Runs the gateway as each rendered overlay's pod would run it; run by deploy/k8s-check.sh after validate.mjs.
//
//   node run-pods.mjs REPO WORKDIR GATEWAY_DLL NAME=RENDERED.yaml...
//
// Per overlay, in parallel: the gateway container's environment (the image's ENV from deploy/Dockerfile, then
// the Deployment's env) and its ConfigMap laid out as kubelet mounts it (gateway.json -> ..data/gateway.json,
// ..data -> ..2026_..., the volume's GATEWAY_CONFIG), then `dotnet GATEWAY_DLL` (the Release build, Production).
// Only what cannot exist here is replaced, each by environment variables on top of the rendered ones:
//   - listen addresses: the containerPorts become free loopback ports (Urls, Gateway__Management__Url);
//   - cluster addresses: each issuer's Authority/JwksUri/MetadataAddress points at a test identity provider
//     (RS256, served by this script), each cluster destination at a test downstream, the OTLP endpoint at a
//     closed loopback port;
//   - Secrets: variables from a secretKeyRef (the Redis component) are left out (keys cached in memory;
//     deploy/container-check.sh runs the image with a real Redis).
// Then it checks what the manifests promise:
//   - probes: readiness/liveness answer on the probes' port, and only there (404 on the public port);
//   - the readiness body's shape; a proxied request with a token (200) and without (401);
//   - metrics: every ServiceMonitor endpoint, followed through its Service to the container port, serves the
//     gateway's metrics; the public port does not;
//   - logs: every line of the process's output is one JSON object, and a line logged during a request carries
//     its TraceId;
//   - ConfigMap update: a kubelet-style symlink swap to a changed gateway.json is applied (a new route
//     answers), a swap to an invalid one is rejected (event 1002) while the last good configuration serves;
//   - shutdown: SIGTERM during a slow request: readiness 503 at once, new requests still served during
//     ShutdownDelay, the logged delay and drain time are the Deployment's, the slow request completes, exit 0
//     after the delay and within DrainTimeout (which preStop + DrainTimeout < terminationGracePeriodSeconds bounds).
// Prints one line per check, then "k8s-run: N passed, N failed"; exit code 1 on any failure.
// K8S_CHECK_LOGS=DIR keeps each pod's output (its JSON log lines) as DIR/NAME.log.

import { spawn } from "node:child_process";
import { generateKeyPairSync, sign } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, request } from "node:http";
import { createRequire } from "node:module";
import { createServer as createTcpServer } from "node:net";
import { join } from "node:path";

const [repo, work, dll, ...renders] = process.argv.slice(2);
const require = createRequire(join(work, "node_modules", "noop.js"));
const YAML = require("yaml");

let passed = 0;
let failed = 0;

// ------------------------------------------------------------------------------------------ helpers
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const freePort = () => new Promise((resolve, reject) => {
  const server = createTcpServer();
  server.once("error", reject);
  server.listen(0, "127.0.0.1", () => {
    const { port } = server.address();
    server.close(() => resolve(port));
  });
});

/** GET (or other) on loopback; resolves { status, headers, body } or { error }. */
const http = (port, path, { token, timeout = 5000, method = "GET" } = {}) => new Promise((resolve) => {
  const headers = token ? { authorization: `Bearer ${token}` } : {};
  const req = request({ host: "127.0.0.1", port, path, method, headers, timeout, agent: false }, (res) => {
    let body = "";
    res.setEncoding("utf8");
    res.on("data", (chunk) => { body += chunk; });
    res.on("end", () => resolve({ status: res.statusCode, headers: res.headers, body }));
    res.on("error", (error) => resolve({ error }));
  });
  req.on("timeout", () => req.destroy(new Error(`timeout after ${timeout} ms`)));
  req.on("error", (error) => resolve({ error }));
  req.end();
});

const until = async (condition, timeoutMs, intervalMs = 100) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await condition();
    if (value) return value;
    await sleep(intervalMs);
  }
  return undefined;
};

// A .NET TimeSpan as configuration binds it ("00:00:30", "1.00:00:00"), in seconds.
const seconds = (text) => {
  const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(String(text).trim());
  return m ? Number(m[1] ?? 0) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]) : NaN;
};

const merge = (target, source) => {
  for (const [key, value] of Object.entries(source ?? {})) {
    if (value && typeof value === "object" && !Array.isArray(value) && target[key] && typeof target[key] === "object") merge(target[key], value);
    else target[key] = value;
  }
  return target;
};

const b64url = (value) => Buffer.from(value).toString("base64url");

// A Secret volume as kubelet's atomic writer keeps it: each key a link key -> ..data/key, ..data a link to a
// timestamped directory, swapped by rename(2) on every update. Returns publish(files), called once to create it.
const secretVolume = (directory) => {
  let generation = 0;
  let current;
  return (files) => {
    const stamp = `..${new Date().toISOString().replace(/[-:T]/g, "_").replace(/\..*/, "")}.${String(++generation).padStart(9, "0")}`;
    mkdirSync(join(directory, stamp), { recursive: true });
    for (const [file, text] of Object.entries(files)) writeFileSync(join(directory, stamp, file), text);
    symlinkSync(stamp, join(directory, "..data_tmp"));
    renameSync(join(directory, "..data_tmp"), join(directory, "..data"));
    if (current) rmSync(join(directory, current), { recursive: true });
    else for (const file of Object.keys(files)) symlinkSync(`..data/${file}`, join(directory, file));
    current = stamp;
  };
};

// The image's ENV (deploy/Dockerfile's runtime stage) and the gateway's event ids (its source).
const dockerfile = readFileSync(join(repo, "deploy/Dockerfile"), "utf8").replace(/\\\n\s*/g, " ");
const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
const imageEnv = Object.fromEntries([...runtimeStage.matchAll(/^ENV\s+(.*)$/gm)].flatMap((m) => [...m[1].matchAll(/(\w+)=(\S*)/g)].map((v) => [v[1], v[2]])));
const eventIds = Object.fromEntries([...readFileSync(join(repo, "gateway/Observability/EventIds.cs"), "utf8").matchAll(/const int (\w+) = (\d+);/g)].map((m) => [m[1], Number(m[2])]));

// ----------------------------------------------------------------- test identity provider, downstream
const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
const kid = "k8s-check-1";
const jwks = JSON.stringify({ keys: [{ ...publicKey.export({ format: "jwk" }), kid, use: "sig", alg: "RS256" }] });
const idpPort = await freePort();
const idpBase = `http://127.0.0.1:${idpPort}`;
const idp = createServer((req, res) => {
  const path = req.url.split("?")[0];
  const respond = (status, body) => { res.writeHead(status, { "content-type": "application/json" }); res.end(body); };
  if (path.endsWith("/jwks.json")) return respond(200, jwks);
  if (path.endsWith("/.well-known/openid-configuration")) {
    const issuer = idpBase + path.slice(0, -"/.well-known/openid-configuration".length);
    return respond(200, JSON.stringify({ issuer, jwks_uri: `${issuer}/jwks.json` }));
  }
  return respond(404, "{}");
}).listen(idpPort, "127.0.0.1");

const mint = ({ iss, aud, scopes, roles }) => {
  const now = Math.floor(Date.now() / 1000);
  const header = b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid }));
  const payload = b64url(JSON.stringify({ iss, aud, sub: "k8s-check", scope: scopes.join(" "), roles, iat: now, nbf: now - 5, exp: now + 600 }));
  return `${header}.${payload}.${sign("sha256", Buffer.from(`${header}.${payload}`), privateKey).toString("base64url")}`;
};

// Answers 200 {path}; ?slow=MS&pod=NAME answers after MS milliseconds and tells NAME's waiter it started.
const downstreamPort = await freePort();
const slowWaiters = new Map();
const downstream = createServer((req, res) => {
  const query = new URL(req.url, "http://x").searchParams;
  const slow = Number(query.get("slow") ?? 0);
  if (slow) slowWaiters.get(query.get("pod"))?.();
  setTimeout(() => { res.writeHead(200, { "content-type": "application/json" }); res.end(JSON.stringify({ path: req.url })); }, slow);
}).listen(downstreamPort, "127.0.0.1");
const slowRequestStarted = (pod) => new Promise((resolve) => slowWaiters.set(pod, resolve));

// ------------------------------------------------------------------------------------------ one pod
async function runPod(name, docs) {
  const results = [];
  const check = (condition, description, detail) => {
    if (condition) passed++;
    else failed++;
    results.push(`  ${condition ? "ok  " : "FAIL"} ${name}: ${description}${!condition && detail ? `\n         ${String(detail).slice(0, 600).replace(/\n/g, "\n         ")}` : ""}`);
    return condition;
  };
  const find = (kind, n) => docs.find((d) => d.kind === kind && d.metadata.name === n);
  const deployment = docs.find((d) => d.kind === "Deployment" && d.spec.template.metadata.labels?.["app.kubernetes.io/component"] === "gateway");
  const pod = deployment.spec.template.spec;
  const container = pod.containers.find((c) => c.name === "gateway");
  const ports = Object.fromEntries(container.ports.map((p) => [p.name, p.containerPort]));
  const local = {};
  for (const port of Object.values(ports)) local[port] = await freePort();

  // The volume, as kubelet writes it.
  const configVolume = pod.volumes.find((v) => v.configMap);
  const configMap = find("ConfigMap", configVolume.configMap.name);
  const mount = container.volumeMounts.find((m) => m.name === configVolume.name);
  const dir = join(work, `pod-${name}`);
  const volume = join(dir, "config");
  const tmp = join(dir, "tmp");
  mkdirSync(volume, { recursive: true });
  mkdirSync(tmp, { recursive: true });
  let generation = 0;
  let current;
  const publish = (files) => {
    const stamp = `..${new Date().toISOString().replace(/[-:T]/g, "_").replace(/\..*/, "")}.${String(++generation).padStart(9, "0")}`;
    mkdirSync(join(volume, stamp));
    for (const [file, text] of Object.entries(files)) writeFileSync(join(volume, stamp, file), text);
    symlinkSync(stamp, join(volume, "..data_tmp"));
    renameSync(join(volume, "..data_tmp"), join(volume, "..data")); // rename(2): the atomic step
    if (current) rmSync(join(volume, current), { recursive: true });
    current = stamp;
  };
  publish(configMap.data);
  for (const file of Object.keys(configMap.data)) symlinkSync(`..data/${file}`, join(volume, file));

  // The environment: image, then Deployment, then the local replacements described above.
  const env = { ...imageEnv };
  const left = [];
  for (const e of container.env ?? []) {
    if (e.value !== undefined) env[e.name] = e.value;
    else left.push(e.name);
  }
  const relisten = (url) => url.split(";").map((u) => u.replace(/^(https?:\/\/)[^/:]+:(\d+)/, (m, scheme, port) => `${scheme}127.0.0.1:${local[Number(port)] ?? port}`)).join(";");
  env.Urls = relisten(env.Urls);
  if (env.Gateway__Management__Url) env.Gateway__Management__Url = relisten(env.Gateway__Management__Url);
  check(env.GATEWAY_CONFIG === mount.mountPath, `GATEWAY_CONFIG ${env.GATEWAY_CONFIG} is the ConfigMap's mountPath ${mount.mountPath}`);
  env.GATEWAY_CONFIG = volume;
  env.HOME = tmp;
  env.TMPDIR = tmp;
  if (env.OTEL_EXPORTER_OTLP_ENDPOINT) env.OTEL_EXPORTER_OTLP_ENDPOINT = `http://127.0.0.1:${await freePort()}`;

  // Secret volumes (components/local-jwks), laid out as kubelet does; variables naming a path under their
  // mountPath (Gateway__Issuers__NAME__JwksFile) follow them.
  const secretVolumes = [];
  for (const v of pod.volumes.filter((v) => v.secret)) {
    const secret = find("Secret", v.secret.secretName);
    const secretMount = container.volumeMounts.find((m) => m.name === v.name);
    if (!secret?.data || !secretMount) continue;
    const files = Object.fromEntries(Object.entries(secret.data).map(([key, value]) => [key, Buffer.from(value, "base64").toString()]));
    const directory = join(dir, `secret-${v.name}`);
    const publishSecret = secretVolume(directory);
    publishSecret(files);
    secretVolumes.push({ directory, files, publish: publishSecret });
    for (const [variable, value] of Object.entries(env)) {
      if (value.startsWith(`${secretMount.mountPath}/`)) env[variable] = directory + value.slice(secretMount.mountPath.length);
    }
  }
  const fileIssuers = Object.keys(env).map((v) => /^Gateway__Issuers__(.+)__JwksFile$/.exec(v)?.[1]).filter(Boolean)
    .map((issuerName) => ({ issuerName, iss: env[`Gateway__Issuers__${issuerName}__Issuer`], aud: env[`Gateway__Issuers__${issuerName}__Audiences__0`], file: env[`Gateway__Issuers__${issuerName}__JwksFile`] }));

  const config = ["gateway.json", ...Object.keys(configMap.data).filter((f) => f !== "gateway.json")]
    .filter((f) => configMap.data[f]).reduce((merged, f) => merge(merged, JSON.parse(configMap.data[f])), {});
  const issuers = [];
  for (const [issuerName, issuer] of Object.entries(config.Gateway?.Issuers ?? {})) {
    const prefix = `Gateway__Issuers__${issuerName}__`;
    const base = `${idpBase}/${issuerName}`;
    if (issuer.Authority) env[`${prefix}Authority`] = base;
    if (issuer.MetadataAddress) env[`${prefix}MetadataAddress`] = `${base}/.well-known/openid-configuration`;
    if (issuer.JwksUri) env[`${prefix}JwksUri`] = `${base}/jwks.json`;
    env[`${prefix}RequireHttpsMetadata`] = "false"; // plain http on loopback only
    issuers.push({ iss: issuer.Issuer ?? base, aud: issuer.Audiences?.[0] ?? "k8s-check" });
  }
  for (const [clusterName, cluster] of Object.entries(config.ReverseProxy?.Clusters ?? {})) {
    for (const destination of Object.keys(cluster.Destinations ?? {})) {
      env[`ReverseProxy__Clusters__${clusterName}__Destinations__${destination}__Address`] = `http://127.0.0.1:${downstreamPort}/`;
    }
  }
  const policies = Object.values(config.Gateway?.Policies ?? {});
  const token = mint({ ...issuers[0], scopes: [...new Set(policies.flatMap((p) => p.Scopes ?? []))], roles: [...new Set(policies.flatMap((p) => p.Roles ?? []))] });
  const [routeName, route] = Object.entries(config.ReverseProxy?.Routes ?? {}).find(([, r]) => r.Match?.Path) ?? [];
  const routePath = (path) => path.replace(/\{\*\*?[^}]*\}/g, "k8s-check").replace(/\{[^}]*\}/g, "x");

  const publicPort = local[ports.http];
  const probe = container.readinessProbe?.httpGet;
  const probePort = local[typeof probe?.port === "string" ? ports[probe.port] : probe?.port];

  // Start it.
  const output = [];
  const child = spawn("dotnet", [dll], {
    cwd: dir,
    env: { PATH: process.env.PATH, DOTNET_CLI_TELEMETRY_OPTOUT: "1", DOTNET_NOLOGO: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let exit;
  const exited = new Promise((resolve) => child.on("exit", (code, signal) => { exit = { code, signal, at: Date.now() }; resolve(exit); }));
  const closed = new Promise((resolve) => child.on("close", resolve)); // its output read to the end
  for (const stream of [child.stdout, child.stderr]) {
    let rest = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk) => {
      const lines = (rest + chunk).split("\n");
      rest = lines.pop();
      output.push(...lines.filter((l) => l.length));
    });
  }
  const logEvents = () => output.map((line) => { try { return JSON.parse(line); } catch { return { unparsed: line }; } });
  const event = (id, predicate = () => true) => logEvents().find((e) => e.EventId === id && predicate(e));
  const tail = () => output.slice(-15).join("\n");

  try {
    const ready = await until(async () => exit || (await http(probePort, probe.path)).status === 200, 90_000, 200);
    if (!check(ready === true, `ready: ${probe.path} on the readinessProbe's port answers 200`, exit ? `exited ${JSON.stringify(exit)}\n${tail()}` : tail())) return results;
    if (left.length) results.push(`  note ${name}: not set here (secretKeyRef): ${left.join(", ")}`);

    // Management listener: health only there, nothing else there.
    const readyBody = await http(probePort, "/healthz/ready");
    let body = {};
    try { body = JSON.parse(readyBody.body); } catch { /* checked below */ }
    check(body.status === "ready" && typeof body.draining === "boolean" && typeof body.configurationGeneration === "number" && body.issuers && typeof body.redis === "string",
      "readiness body is {status, draining, configurationGeneration, issuers, redis}", readyBody.body);
    for (const [probeName, path] of [["livenessProbe", container.livenessProbe?.httpGet?.path], ["startupProbe", container.startupProbe?.httpGet?.path]]) {
      const get = container[probeName]?.httpGet;
      const port = local[typeof get?.port === "string" ? ports[get.port] : get?.port];
      check((await http(port, path)).status === 200, `${probeName} GET ${path} on its port answers 200`);
    }
    if (probePort !== publicPort) {
      for (const path of ["/healthz/ready", "/healthz/live"]) check((await http(publicPort, path)).status === 404, `public port: ${path} answers 404 (health details only on the management port)`);
      check((await http(probePort, routePath(route.Match.Path), { token })).status === 404, "management port: a proxied route answers 404 there");
    } else {
      check(false, "health is served on a port of its own (Gateway__Management__Url), not the public one");
    }

    // Proxying, with the rendered routes and policies.
    const proxied = await http(publicPort, routePath(route.Match.Path), { token });
    check(proxied.status === 200, `route ${routeName}: GET ${routePath(route.Match.Path)} with a token → 200`, proxied.body ?? proxied.error);
    check((await http(publicPort, routePath(route.Match.Path))).status === 401, `route ${routeName}: without a token → 401`);

    // Keys from a mounted Secret: loaded from the file, then rotated by kubelet's swap of the Secret volume.
    for (const { issuerName, iss, aud, file } of fileIssuers) {
      const keys = JSON.parse((await http(probePort, "/healthz/ready")).body ?? "{}").issuers?.[issuerName];
      check(keys?.keysLoaded === true && keys.source === "file", `issuer ${issuerName}: keys loaded from the mounted Secret's file (JwksFile)`, JSON.stringify(keys));
      const volume = secretVolumes.find((v) => file.startsWith(`${v.directory}/`));
      const key = file.slice((volume?.directory.length ?? 0) + 1);
      const localToken = mint({ iss, aud, scopes: [...new Set(policies.flatMap((p) => p.Scopes ?? []))], roles: [...new Set(policies.flatMap((p) => p.Roles ?? []))] });
      check((await http(publicPort, routePath(route.Match.Path), { token: localToken })).status === 401, `issuer ${issuerName}: a token signed with a key not in the Secret → 401`);
      const swapped = Date.now();
      volume?.publish({ ...volume.files, [key]: jwks }); // the Secret updated in place: kubelet swaps ..data
      const rotated = await until(async () => (await http(publicPort, routePath(route.Match.Path), { token: localToken })).status === 200, 15_000, 200);
      check(rotated === true, `issuer ${issuerName}: Secret symlink swap to a rotated JWKS applied without a restart (its token → 200 after ${((Date.now() - swapped) / 1000).toFixed(1)} s)`, tail());
    }

    // Metrics, where each ServiceMonitor looks for them.
    for (const monitor of docs.filter((d) => d.kind === "ServiceMonitor")) {
      const service = docs.find((d) => d.kind === "Service" && Object.entries(monitor.spec.selector.matchLabels).every(([k, v]) => d.metadata.labels?.[k] === v));
      for (const endpoint of monitor.spec.endpoints) {
        const servicePort = service?.spec.ports.find((p) => p.name === endpoint.port);
        const target = typeof servicePort?.targetPort === "string" ? ports[servicePort.targetPort] : servicePort?.targetPort;
        const path = endpoint.path ?? "/metrics";
        const scrape = await http(local[target], path);
        check(scrape.status === 200 && /^jwtgw_\w+/m.test(scrape.body ?? ""), `ServiceMonitor ${monitor.metadata.name}: ${path} on Service port ${endpoint.port} → container port ${target} serves the gateway's metrics`, `${scrape.status} ${String(scrape.body ?? scrape.error).slice(0, 200)}`);
        if (local[target] !== publicPort) check((await http(publicPort, path)).status === 404, `public port: ${path} answers 404`);
      }
    }

    // Logs: one JSON object per line; a line logged during a request carries the TraceId.
    const traced = await until(() => logEvents().find((e) => e.EventId === eventIds.TokenRejected && (e.Scopes ?? []).some((s) => /^[0-9a-f]{32}$/.test(s?.TraceId ?? ""))), 5000);
    check(traced, `logs: the 401's event ${eventIds.TokenRejected} is a JSON line with its TraceId`, tail());

    // ConfigMap update: kubelet's symlink swap, a valid change then an invalid one.
    if (route) {
      const files = { ...configMap.data };
      const changed = JSON.parse(files["gateway.json"]);
      changed.ReverseProxy.Routes["k8s-check-reload"] = { ...route, Match: { Path: "/k8s-check-reload/{**rest}" } };
      check((await http(publicPort, "/k8s-check-reload/x", { token })).status === 404, "before the ConfigMap update: /k8s-check-reload answers 404");
      const swapped = Date.now();
      publish({ ...files, "gateway.json": JSON.stringify(changed, null, 2) });
      const applied = await until(async () => (await http(publicPort, "/k8s-check-reload/x", { token })).status === 200, 30_000, 250);
      const tookSeconds = ((Date.now() - swapped) / 1000).toFixed(1);
      const logged = await until(() => event(eventIds.ConfigurationLoaded), 5000); // the console logger writes asynchronously
      check(applied && logged, `ConfigMap symlink swap applied without a restart (new route answers 200 after ${tookSeconds} s, event ${eventIds.ConfigurationLoaded} logged)`, tail());

      const invalid = structuredClone(changed);
      invalid.ReverseProxy.Routes["k8s-check-reload"].Metadata = { ...invalid.ReverseProxy.Routes["k8s-check-reload"].Metadata, Policy: "k8s-check-no-such-policy" };
      publish({ ...files, "gateway.json": JSON.stringify(invalid, null, 2) });
      const rejected = await until(() => event(eventIds.ConfigurationReloadFailed, (e) => e.LogLevel === "Error"), 30_000, 250);
      check(rejected && /k8s-check-reload/.test(rejected.Message), `an invalid ConfigMap is rejected (event ${eventIds.ConfigurationReloadFailed} names the route)`, tail());
      check((await http(publicPort, "/k8s-check-reload/x", { token })).status === 200 && (await http(probePort, "/healthz/ready")).status === 200, "after the rejected update the last good configuration serves, still ready");
    }

    // Shutdown: SIGTERM while a slow request is in flight.
    // Environment variables win over the ConfigMap; the gateway's defaults are 0 and 25 s.
    const delay = seconds(env.Gateway__Management__ShutdownDelay ?? config.Gateway?.Management?.ShutdownDelay ?? "00:00:00");
    const drain = seconds(env.Gateway__Management__DrainTimeout ?? config.Gateway?.Management?.DrainTimeout ?? "00:00:25");
    const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
    const grace = pod.terminationGracePeriodSeconds ?? 30;
    const slowMs = Math.round(delay * 1000) + 2000;
    const started = slowRequestStarted(name);
    const slow = http(publicPort, `${routePath(route.Match.Path)}?slow=${slowMs}&pod=${name}`, { token, timeout: (drain + 10) * 1000 });
    await Promise.race([started, sleep(10_000)]);
    const signalled = Date.now();
    child.kill("SIGTERM");
    const notReady = await until(async () => {
      const r = await http(probePort, "/healthz/ready");
      return r.status === 503 && /shutting down/.test(r.body) ? r : undefined;
    }, 2000, 100);
    check(notReady, `SIGTERM: readiness answers 503 "shutting down" at once (${Date.now() - signalled} ms)`);
    if (delay >= 2) {
      const fresh = await http(publicPort, routePath(route.Match.Path), { token });
      check(fresh.status === 200 && Date.now() - signalled < delay * 1000, `during ShutdownDelay (${delay} s) new requests are still served`, fresh.status ?? fresh.error);
    }
    check(!event(eventIds.ShutdownTimeoutIgnored), `no ignored shutdownTimeoutSeconds (event ${eventIds.ShutdownTimeoutIgnored})`);
    const draining = await until(() => event(eventIds.ShutdownDraining), 5000);
    check(draining?.State?.DelaySeconds === delay && draining?.State?.DrainSeconds === drain,
      `the gateway drains with the Deployment's settings: ShutdownDelay ${delay} s, DrainTimeout ${drain} s (logged: ${draining?.State?.DelaySeconds} s, ${draining?.State?.DrainSeconds} s)`, JSON.stringify(draining));
    const completed = await slow;
    check(completed.status === 200, `the in-flight request (${slowMs} ms, longer than the delay) completes with 200`, completed.status ?? completed.error);
    await Promise.race([exited, sleep((drain + 5) * 1000)]);
    const took = exit ? (exit.at - signalled) / 1000 : Infinity;
    check(exit?.code === 0, `exits with code 0 on SIGTERM (${JSON.stringify(exit)})`, tail());
    check(took >= delay - 0.5 && took <= drain + 2 && preStop + took < grace, `exit ${took.toFixed(1)} s after SIGTERM: >= ShutdownDelay ${delay} s, <= DrainTimeout ${drain} s, preStop ${preStop} s + that < terminationGracePeriodSeconds ${grace} s`);

    // Every line, to the end, was JSON (stdout and stderr).
    await Promise.race([closed, sleep(5000)]);
    const unparsed = logEvents().filter((e) => e.unparsed !== undefined || typeof e.EventId !== "number" || !e.LogLevel || !e.Category);
    check(output.length > 0 && unparsed.length === 0, `logs: all ${output.length} lines are JSON objects {Timestamp, EventId, LogLevel, Category, Message, ...}`, unparsed.slice(0, 3).map((e) => e.unparsed ?? JSON.stringify(e)).join("\n"));
    check(!logEvents().some((e) => e.LogLevel === "Critical"), "logs: no Critical event", tail());
  } catch (error) {
    check(false, "unexpected error", `${error.stack}\n${tail()}`);
  } finally {
    if (!exit) child.kill("SIGKILL"); // our own child, by its handle
    if (process.env.K8S_CHECK_LOGS) writeFileSync(join(process.env.K8S_CHECK_LOGS, `${name}.log`), output.join("\n") + "\n"); // for debugging a failure
  }
  return results;
}

// ------------------------------------------------------------------------------------------ main
const sets = renders.map((arg) => {
  const [name, file] = arg.split("=");
  return [name, YAML.parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS()).filter(Boolean)];
});
const reports = await Promise.all(sets.map(([name, docs]) => runPod(name, docs).catch((error) => {
  failed++;
  return [`  FAIL ${name}: ${error.stack}`];
})));
for (const lines of reports) console.log(lines.join("\n"));
idp.close();
downstream.close();
console.log(`k8s-run: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
