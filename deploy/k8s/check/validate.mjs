// Validates rendered kustomize output offline; run by deploy/k8s-check.sh (which installs the npm packages).
//
//   node validate.mjs REPO WORKDIR NAME=RENDERED.yaml...
//
// 1. Schema, strict: every document becomes a typed constant in WORKDIR/manifests.ts (kubernetes-types, and
//    kubernetes-models' interfaces for the Prometheus Operator) and `tsc --noEmit` must accept it: a
//    misspelled or misplaced field (selectr, securityContext at the wrong level) is an excess property.
// 2. Schema, values: kubernetes-models' JSON-schema validation (required fields, types, formats).
// 3. Invariants of this gateway's deployment: hardening, probes on the gateway's real health paths and port,
//    the image's port/user/config path, selectors that match, secrets only by reference, drain timing.
// 4. Writes each ConfigMap's files to WORKDIR/config-NAME/ and the container's secret env vars to WORKDIR/env-NAME,
//    for deploy/k8s-check.sh to run the gateway's `check-config` on them.
// Prints one line per failed check, then "k8s-validate: N passed, N failed"; exit code 1 on any failure.

import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const [repo, work, ...renders] = process.argv.slice(2);
const require = createRequire(join(work, "node_modules", "noop.js"));
const YAML = require("yaml");

let passed = 0;
let failed = 0;
function check(condition, description) {
  if (condition) {
    passed++;
  } else {
    failed++;
    console.log(`  FAIL ${description}`);
  }
}

// ------------------------------------------------------------------------------------------ inputs
const sets = renders.map((arg) => {
  const [name, file] = arg.split("=");
  const docs = YAML.parseAllDocuments(readFileSync(file, "utf8")).map((d) => d.toJS()).filter(Boolean);
  // kustomize wraps long base64 Secret values over several lines; the API server's decoder ignores the line
  // breaks, kubernetes-models' "byte" format does not: join them.
  for (const doc of docs.filter((d) => d.kind === "Secret" && d.data)) {
    for (const key of Object.keys(doc.data)) doc.data[key] = doc.data[key].replace(/\s+/g, "");
  }
  return { name, docs };
});

// The image's contract, from deploy/Dockerfile's runtime stage.
const dockerfile = readFileSync(join(repo, "deploy/Dockerfile"), "utf8").replace(/\\\n\s*/g, " ");
const runtimeStage = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));
const image = {
  exposed: [...runtimeStage.matchAll(/^EXPOSE\s+(\d+)/gm)].map((m) => Number(m[1])),
  urlsPort: Number((runtimeStage.match(/\bUrls=http:\/\/\+:(\d+)/) ?? [])[1]),
  configPath: (runtimeStage.match(/\bGATEWAY_CONFIG=(\S+)/) ?? [])[1],
  user: (runtimeStage.match(/^USER\s+(\d+):(\d+)/m) ?? []).slice(1).map(Number),
  env: Object.fromEntries([...runtimeStage.matchAll(/^ENV\s+(.*)$/gm)].flatMap((m) => [...m[1].matchAll(/(\w+)=(\S*)/g)].map((v) => [v[1], v[2]]))),
};

// The gateway's real endpoints: string literals in its source.
const sources = [];
(function walk(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (entry === "bin" || entry === "obj") continue;
    if (statSync(path).isDirectory()) walk(path);
    else if (entry.endsWith(".cs")) sources.push(readFileSync(path, "utf8"));
  }
})(join(repo, "gateway"));
const gatewaySource = sources.join("\n");

// ------------------------------------------------------------------------------------ 1. TypeScript
const tsTypes = {
  "v1/Namespace": ["core", "kubernetes-types/core/v1", "Namespace"],
  "v1/ServiceAccount": ["core", "kubernetes-types/core/v1", "ServiceAccount"],
  "v1/ConfigMap": ["core", "kubernetes-types/core/v1", "ConfigMap"],
  "v1/Secret": ["core", "kubernetes-types/core/v1", "Secret"],
  "v1/Service": ["core", "kubernetes-types/core/v1", "Service"],
  "apps/v1/Deployment": ["apps", "kubernetes-types/apps/v1", "Deployment"],
  "apps/v1/StatefulSet": ["apps", "kubernetes-types/apps/v1", "StatefulSet"],
  "autoscaling/v2/HorizontalPodAutoscaler": ["autoscaling", "kubernetes-types/autoscaling/v2", "HorizontalPodAutoscaler"],
  "policy/v1/PodDisruptionBudget": ["policy", "kubernetes-types/policy/v1", "PodDisruptionBudget"],
  "networking.k8s.io/v1/NetworkPolicy": ["networking", "kubernetes-types/networking/v1", "NetworkPolicy"],
  "monitoring.coreos.com/v1/ServiceMonitor": ["monitoring", "@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1", "IServiceMonitor"],
};
const imports = new Map();
const lines = [];
for (const { name, docs } of sets) {
  docs.forEach((doc, i) => {
    const key = `${doc.apiVersion}/${doc.kind}`;
    const type = tsTypes[key];
    check(type, `${name}: ${doc.kind} ${doc.metadata?.name}: no schema known for ${key}`);
    if (!type) return;
    const [alias, module, typeName] = type;
    imports.set(alias, module);
    lines.push(`// ${name}: ${doc.kind} ${doc.metadata?.name}`);
    lines.push(`export const ${name.replace(/\W/g, "_")}_${i}: ${alias}.${typeName} = ${JSON.stringify(doc, null, 2)};`);
  });
}
const header = [...imports].map(([alias, module]) => `import type * as ${alias} from "${module}";`);
writeFileSync(join(work, "manifests.ts"), [...header, ...lines, ""].join("\n"));
writeFileSync(join(work, "tsconfig.json"), JSON.stringify({
  compilerOptions: { strict: true, noEmit: true, target: "es2022", module: "nodenext", moduleResolution: "nodenext", skipLibCheck: true, types: [] },
  files: ["manifests.ts"],
}));
try {
  execFileSync(join(work, "node_modules/.bin/tsc"), ["-p", join(work, "tsconfig.json")], { cwd: work, stdio: "pipe" });
  passed++;
} catch (error) {
  failed++;
  console.log("  FAIL tsc --noEmit rejected the manifests (schema: unknown, misspelled or mistyped fields):");
  console.log(String(error.stdout).split("\n").slice(0, 40).map((l) => "       " + l).join("\n"));
}

// --------------------------------------------------------------------------- 2. kubernetes-models
for (const { name, docs } of sets) {
  for (const doc of docs) {
    try {
      // The Prometheus Operator models are ESM-only: imported by file, from the npm directory.
      const Model = doc.apiVersion.startsWith("monitoring.coreos.com/")
        ? (await import(pathToFileURL(join(work, "node_modules/@kubernetes-models/prometheus-operator", doc.apiVersion, `${doc.kind}.js`)).href))[doc.kind]
        : require(`kubernetes-models/${doc.apiVersion}/${doc.kind}`)[doc.kind];
      new Model(doc).validate();
      passed++;
    } catch (error) {
      failed++;
      console.log(`  FAIL ${name}: ${doc.kind} ${doc.metadata?.name}: kubernetes-models: ${error.message.split("\n").slice(0, 6).join(" ")}`);
    }
  }
}

// ----------------------------------------------------------------------------------- 3. invariants
// A .NET TimeSpan as configuration binds it ("00:00:30", "1.00:00:00"), in seconds.
const seconds = (text) => {
  const m = /^(?:(\d+)\.)?(\d+):(\d+):(\d+(?:\.\d+)?)$/.exec(String(text).trim());
  return m ? Number(m[1] ?? 0) * 86400 + Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4]) : NaN;
};
const matches = (selector, labels) => Object.entries(selector ?? {}).every(([k, v]) => labels?.[k] === v) && Object.keys(selector ?? {}).length > 0;
const hardenedContainer = (c, where) => {
  const s = c.securityContext ?? {};
  check(s.readOnlyRootFilesystem === true, `${where}: readOnlyRootFilesystem`);
  check(s.allowPrivilegeEscalation === false, `${where}: allowPrivilegeEscalation false`);
  check(s.privileged !== true, `${where}: not privileged`);
  check(s.capabilities?.drop?.includes("ALL") && !(s.capabilities?.add?.length), `${where}: capabilities drop ALL, add none`);
  check(s.runAsNonRoot === true, `${where}: runAsNonRoot`);
  check(s.seccompProfile?.type === "RuntimeDefault", `${where}: seccomp RuntimeDefault`);
  check(c.resources?.requests?.cpu && c.resources?.requests?.memory && c.resources?.limits?.memory, `${where}: resource requests and a memory limit`);
  check(c.image && !c.image.endsWith(":latest") && /[:@]/.test(c.image.split("/").pop()), `${where}: image ${c.image} has a tag or digest, not latest`);
  for (const e of c.env ?? []) {
    check(!/password|secret|integrity|token|key$/i.test(e.name) || e.valueFrom, `${where}: env ${e.name} comes from a reference, not a literal`);
  }
};

for (const { name, docs } of sets) {
  const of = (kind) => docs.filter((d) => d.kind === kind);
  const find = (kind, n) => docs.find((d) => d.kind === kind && d.metadata.name === n);
  const deployments = of("Deployment");
  const gateway = deployments.find((d) => d.spec.template.metadata.labels?.["app.kubernetes.io/component"] === "gateway");
  check(gateway, `${name}: a gateway Deployment`);
  if (!gateway) continue;
  const pod = gateway.spec.template.spec;
  const labels = gateway.spec.template.metadata.labels;
  const container = pod.containers.find((c) => c.name === "gateway");
  const where = `${name}: Deployment ${gateway.metadata.name}`;

  // Every workload (the dev Redis too) is hardened.
  for (const d of deployments.concat(of("StatefulSet"))) {
    const p = d.spec.template.spec;
    const w = `${name}: ${d.kind} ${d.metadata.name}`;
    check(p.securityContext?.runAsNonRoot === true, `${w}: pod runAsNonRoot`);
    check(p.securityContext?.seccompProfile?.type === "RuntimeDefault", `${w}: pod seccomp RuntimeDefault`);
    check(p.automountServiceAccountToken === false, `${w}: automountServiceAccountToken false`);
    check(!p.hostNetwork && !p.hostPID && !p.hostIPC, `${w}: no host namespaces`);
    check(matches(d.spec.selector.matchLabels, d.spec.template.metadata.labels), `${w}: selector matches the pod labels`);
    for (const c of p.containers.concat(p.initContainers ?? [])) hardenedContainer(c, `${w} container ${c.name}`);
  }

  // Replicas, rollout, spread, drain.
  check(gateway.spec.replicas >= 2, `${where}: at least 2 replicas`);
  const rolling = gateway.spec.strategy?.rollingUpdate;
  check(gateway.spec.strategy?.type === "RollingUpdate" && rolling?.maxSurge !== undefined && rolling?.maxUnavailable !== undefined, `${where}: RollingUpdate with maxSurge and maxUnavailable`);
  check(rolling?.maxUnavailable === 0 || rolling?.maxUnavailable === "0%", `${where}: maxUnavailable 0 (capacity never drops during a rollout)`);
  const spread = pod.topologySpreadConstraints ?? [];
  check(spread.some((t) => t.topologyKey === "kubernetes.io/hostname") && spread.some((t) => t.topologyKey === "topology.kubernetes.io/zone"), `${where}: spread across nodes and zones`);
  check(spread.every((t) => matches(t.labelSelector?.matchLabels, labels)), `${where}: topology spread selects the gateway pods`);
  // Shutdown: the gateway's own settings decide (ASP.NET Core's ShutdownTimeoutSeconds is overridden by
  // Gateway:Management:DrainTimeout, so setting it would only mislead). An optional preStop sleep delays SIGTERM.
  const env = Object.fromEntries((container.env ?? []).filter((e) => e.value !== undefined).map((e) => [e.name, e.value]));
  const preStop = container.lifecycle?.preStop?.sleep?.seconds ?? 0;
  // The pod's configuration files, gateway.json first (a later file overrides), for settings the env may leave to them.
  const mountedConfigMap = find("ConfigMap", pod.volumes.find((v) => v.configMap)?.configMap?.name);
  const configJson = Object.entries(mountedConfigMap?.data ?? {}).sort(([a], [b]) => (a === "gateway.json" ? -1 : b === "gateway.json" ? 1 : 0)).map(([, text]) => text).map((text) => { try { return JSON.parse(text); } catch { return {}; } });
  const fromConfig = (read) => configJson.map(read).findLast((v) => v !== undefined);
  const drain = seconds(env.Gateway__Management__DrainTimeout ?? fromConfig((c) => c.Gateway?.Management?.DrainTimeout) ?? "00:00:25");
  const delay = seconds(env.Gateway__Management__ShutdownDelay ?? fromConfig((c) => c.Gateway?.Management?.ShutdownDelay) ?? "00:00:00");
  const grace = pod.terminationGracePeriodSeconds ?? 30;
  check(!("ShutdownTimeoutSeconds" in env) && !("ASPNETCORE_SHUTDOWNTIMEOUTSECONDS" in env), `${where}: no ShutdownTimeoutSeconds (the gateway's Gateway:Management:DrainTimeout overrides it)`);
  check(drain > 0 && delay >= 0 && delay < drain, `${where}: ShutdownDelay ${delay} s < DrainTimeout ${drain} s (the delay is part of the drain time)`);
  check(delay + preStop >= 5, `${where}: endpoint removal delay (ShutdownDelay ${delay} s + preStop ${preStop} s) >= 5 s`);
  check(preStop + drain + 5 <= grace, `${where}: preStop ${preStop} s + DrainTimeout ${drain} s + 5 s margin <= terminationGracePeriodSeconds ${grace}`);
  check(pod.serviceAccountName && find("ServiceAccount", pod.serviceAccountName), `${where}: its ServiceAccount exists`);
  check(find("ServiceAccount", pod.serviceAccountName)?.automountServiceAccountToken === false, `${where}: ServiceAccount does not automount a token`);

  // Ports and probes match the image and the gateway's real endpoints; health on the management port.
  const http = container.ports?.find((p) => p.name === "http");
  const management = container.ports?.find((p) => p.name === "management");
  check(http?.containerPort === 8080, `${where}: containerPort http = 8080`);
  check(image.exposed.includes(http?.containerPort) && image.urlsPort === http?.containerPort, `${where}: containerPort ${http?.containerPort} = the image's EXPOSE ${image.exposed} and Urls port ${image.urlsPort}`);
  const urls = env.Urls;
  check(!urls || urls.endsWith(`:${http?.containerPort}`), `${where}: env Urls ${urls} listens on the containerPort`);
  const managementUrl = env.Gateway__Management__Url;
  check(management && managementUrl && new RegExp(`^http://[^/]+:${management.containerPort}/?$`).test(managementUrl), `${where}: Gateway__Management__Url ${managementUrl} listens on containerPort management ${management?.containerPort}`);
  check(management?.containerPort !== http?.containerPort, `${where}: the management port is not the public port`);
  const isManagementPort = (p) => p === "management" || (management && p === management.containerPort);
  const isHttpPort = (p) => p === "http" || p === http?.containerPort;
  for (const [probe, path] of [["startupProbe", "/healthz/live"], ["livenessProbe", "/healthz/live"], ["readinessProbe", "/healthz/ready"]]) {
    const get = container[probe]?.httpGet;
    check(get?.path === path && isManagementPort(get?.port), `${where}: ${probe} GET ${path} on the management port (has ${get?.path}:${get?.port})`);
    check(get && gatewaySource.includes(`"${get.path}"`), `${where}: ${probe} path ${get?.path} is an endpoint in the gateway's source`);
  }
  const consoleFormat = env.Gateway__Observability__ConsoleFormat ?? image.env.Gateway__Observability__ConsoleFormat;
  check(consoleFormat === "Json", `${where}: JSON console logs (Gateway__Observability__ConsoleFormat=Json, has ${consoleFormat})`);
  check(container.securityContext?.runAsUser === image.user[0] || pod.securityContext?.runAsUser === image.user[0], `${where}: runAsUser = the image's USER ${image.user[0]}`);

  // Configuration: a generated (hash-suffixed) ConfigMap mounted read-only where the image looks for it.
  const configVolume = pod.volumes.find((v) => v.configMap);
  const configMount = container.volumeMounts.find((m) => m.name === configVolume?.name);
  const configMap = configVolume && find("ConfigMap", configVolume.configMap.name);
  check(configMap, `${where}: the mounted ConfigMap ${configVolume?.configMap?.name} exists`);
  check(/^jwt-gateway-config-[a-z0-9]{10}$/.test(configVolume?.configMap?.name ?? ""), `${where}: the ConfigMap name has a content hash suffix`);
  check(configMount?.mountPath === image.configPath && configMount?.readOnly === true, `${where}: config mounted read-only at the image's GATEWAY_CONFIG ${image.configPath}`);
  check(configMap?.data?.["gateway.json"], `${where}: the ConfigMap has gateway.json`);
  const tmp = container.volumeMounts.find((m) => m.mountPath === "/tmp");
  check(tmp && pod.volumes.find((v) => v.name === tmp.name)?.emptyDir, `${where}: /tmp is a writable emptyDir`);

  // Secrets by reference only, to Secrets that exist in the overlay or are documented as external. Redis is
  // optional (components/redis): both variables or neither.
  const redisRefs = ["Gateway__Redis__Configuration", "Gateway__Redis__IntegrityKey"].map((variable) => [variable, (container.env ?? []).find((e) => e.name === variable)]);
  check(redisRefs.every(([, e]) => e) || redisRefs.every(([, e]) => !e), `${where}: both Redis variables or neither`);
  for (const [variable, e] of redisRefs.filter(([, e]) => e)) {
    const ref = e.valueFrom?.secretKeyRef;
    check(ref?.name && ref?.key, `${where}: ${variable} from a secretKeyRef`);
    const secret = ref && find("Secret", ref.name);
    check(!secret || secret.data?.[ref.key] || secret.stringData?.[ref.key], `${where}: Secret ${ref?.name} has key ${ref?.key}`);
  }
  const usesRedis = redisRefs.every(([, e]) => e);
  const configText = JSON.stringify(configMap?.data ?? {});
  check(!/password=|"IntegrityKey"/i.test(configText), `${where}: no Redis password or integrity key in the ConfigMap`);

  // Service, HPA, PDB, NetworkPolicy select the gateway pods and name the right things. The public Service
  // carries only the http port; a metrics Service (components/servicemonitor) only the management port.
  const selecting = of("Service").filter((s) => matches(s.spec.selector, labels));
  const service = selecting.find((s) => s.metadata.labels?.["app.kubernetes.io/component"] === "gateway");
  check(service, `${name}: the public Service (component=gateway) selects the gateway pods`);
  check(service?.spec.ports.every((p) => isHttpPort(p.targetPort)), `${name}: the public Service targets only the http port`);
  for (const s of selecting.filter((s) => s !== service)) {
    check(s.metadata.labels?.["app.kubernetes.io/component"] === "metrics" && s.spec.ports.every((p) => isManagementPort(p.targetPort)), `${name}: Service ${s.metadata.name} is the metrics Service (component=metrics, management port only)`);
  }
  for (const s of of("Service")) check(!["NodePort", "LoadBalancer"].includes(s.spec.type), `${name}: Service ${s.metadata.name} is not exposed (${s.spec.type ?? "ClusterIP"})`);
  const hpa = of("HorizontalPodAutoscaler").find((h) => h.spec.scaleTargetRef.kind === "Deployment" && h.spec.scaleTargetRef.name === gateway.metadata.name);
  check(hpa, `${name}: an HPA scales the gateway Deployment`);
  check(hpa?.spec.minReplicas >= 2 && hpa.spec.maxReplicas >= hpa.spec.minReplicas, `${name}: HPA minReplicas >= 2 <= maxReplicas`);
  check(hpa?.spec.metrics?.some((m) => m.resource?.name === "cpu"), `${name}: HPA on CPU`);
  check(hpa?.spec.minReplicas <= gateway.spec.replicas, `${name}: HPA minReplicas <= the Deployment's replicas`);
  const pdb = of("PodDisruptionBudget").find((p) => matches(p.spec.selector.matchLabels, labels));
  check(pdb, `${name}: a PodDisruptionBudget selects the gateway pods`);
  // NetworkPolicies add up: the union of every policy selecting the gateway pods.
  const policies = of("NetworkPolicy").filter((p) => matches(p.spec.podSelector.matchLabels, labels));
  check(policies.some((p) => p.spec.policyTypes?.includes("Ingress")) && policies.some((p) => p.spec.policyTypes?.includes("Egress")), `${name}: NetworkPolicies restrict gateway ingress and egress`);
  const ingress = policies.flatMap((p) => p.spec.ingress ?? []);
  check(ingress.length && ingress.every((r) => r.ports?.length && r.ports.every((p) => isHttpPort(p.port) || isManagementPort(p.port))), `${name}: NetworkPolicy ingress only to the http and management ports`);
  check(ingress.every((r) => r.ports.every((p) => !isManagementPort(p.port)) || r.from?.length), `${name}: NetworkPolicy admits the management port only from named sources (monitoring), never from everywhere`);
  const egressPorts = policies.flatMap((p) => p.spec.egress ?? []).flatMap((r) => (r.ports ?? []).map((p) => p.port));
  for (const port of [53, 443].concat(usesRedis ? [6379] : [])) check(egressPorts.includes(port), `${name}: NetworkPolicy egress allows port ${port}`);

  // Metrics: a ServiceMonitor scrapes what the gateway serves, where it serves it (the management port).
  const prometheus = { enabled: String(env.Gateway__Observability__Prometheus__Enabled ?? configJson.map((c) => c.Gateway?.Observability?.Prometheus?.Enabled).findLast((v) => v !== undefined) ?? false).toLowerCase() === "true",
    path: env.Gateway__Observability__Prometheus__Path ?? configJson.map((c) => c.Gateway?.Observability?.Prometheus?.Path).findLast((v) => v) ?? "/metrics" };
  for (const monitor of of("ServiceMonitor")) {
    check(prometheus.enabled, `${name}: ServiceMonitor ${monitor.metadata.name}: the gateway's Prometheus endpoint is enabled`);
    const scraped = of("Service").filter((s) => matches(monitor.spec.selector?.matchLabels, s.metadata.labels));
    check(scraped.length === 1 && matches(scraped[0].spec.selector, labels), `${name}: ServiceMonitor ${monitor.metadata.name} selects one Service of the gateway pods`);
    for (const endpoint of monitor.spec.endpoints ?? []) {
      const port = scraped[0]?.spec.ports.find((p) => p.name === endpoint.port);
      check(port && isManagementPort(port.targetPort), `${name}: ServiceMonitor endpoint port ${endpoint.port} is the management port`);
      check((endpoint.path ?? "/metrics") === prometheus.path, `${name}: ServiceMonitor path ${endpoint.path} = the gateway's Prometheus path ${prometheus.path}`);
    }
  }

  // Files for check-config.
  for (const cm of of("ConfigMap")) {
    const dir = join(work, `config-${name}`);
    mkdirSync(dir, { recursive: true });
    for (const [file, content] of Object.entries(cm.data ?? {})) writeFileSync(join(dir, file), content);
  }
  // The gateway container's secret environment variables: the overlay's own Secret values, or, for a Secret
  // created outside the overlay (prod), a stand-in of the documented shape.
  const standIns = { configuration: "redis.example.internal:6380,ssl=true,password=stand-in,abortConnect=false", "integrity-key": "stand-in-integrity-key-".padEnd(64, "0") };
  const secretEnv = [];
  for (const e of container.env ?? []) {
    const ref = e.valueFrom?.secretKeyRef;
    if (!ref) continue;
    const secret = find("Secret", ref.name);
    const value = secret?.data?.[ref.key] !== undefined ? Buffer.from(secret.data[ref.key], "base64").toString() : secret?.stringData?.[ref.key] ?? standIns[ref.key];
    check(value !== undefined, `${where}: a value for ${e.name}`);
    if (value !== undefined) secretEnv.push(`${e.name}=${value}`);
  }
  writeFileSync(join(work, `env-${name}`), secretEnv.join("\n") + "\n");
}

console.log(`k8s-validate: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
