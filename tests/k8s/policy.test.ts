// Policy tests over the rendered chart: restricted pods, names and selectors that meet, HPA and
// PDB targets, images, probes, resources, and each container configured as Compose configures it.
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CASES,
  CHART,
  COMPONENTS,
  DOMAIN_SERVICES,
  NODE_SERVICES,
  bytes,
  byKind,
  compose,
  componentOf,
  effectiveValues,
  find,
  labelsMatch,
  loadYaml,
  nameOf,
  render,
  workloads,
  type K8sObject,
} from './lib.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

const chartVersion = (loadYaml(readFileSync(path.join(CHART, 'Chart.yaml'), 'utf8')) as Any).appVersion as string;

/** The "restricted" Pod Security Standard (v1.27+), checked field by field. */
function restrictedViolations(pod: Any, where: string): string[] {
  const problems: string[] = [];
  const allowedVolumes = ['configMap', 'csi', 'downwardAPI', 'emptyDir', 'ephemeral', 'persistentVolumeClaim', 'projected', 'secret'];
  for (const v of pod.volumes ?? []) {
    const type = Object.keys(v).find((k) => k !== 'name');
    if (!allowedVolumes.includes(type!)) problems.push(`${where}: volume ${v.name} is ${type}`);
  }
  if (pod.hostNetwork || pod.hostPID || pod.hostIPC) problems.push(`${where}: host namespaces`);
  const psc = pod.securityContext ?? {};
  if (psc.runAsUser === 0) problems.push(`${where}: pod runAsUser 0`);
  if (psc.sysctls?.length) problems.push(`${where}: sysctls`);
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    const at = `${where}/${c.name}`;
    const sc = c.securityContext ?? {};
    if (sc.privileged) problems.push(`${at}: privileged`);
    if (sc.allowPrivilegeEscalation !== false) problems.push(`${at}: allowPrivilegeEscalation must be false`);
    if (!(sc.capabilities?.drop ?? []).includes('ALL')) problems.push(`${at}: must drop ALL capabilities`);
    const added = (sc.capabilities?.add ?? []).filter((cap: string) => cap !== 'NET_BIND_SERVICE');
    if (added.length) problems.push(`${at}: adds ${added}`);
    if ((sc.runAsNonRoot ?? psc.runAsNonRoot) !== true) problems.push(`${at}: runAsNonRoot must be true`);
    if ((sc.runAsUser ?? psc.runAsUser) === 0) problems.push(`${at}: runs as uid 0`);
    const seccomp = (sc.seccompProfile ?? psc.seccompProfile)?.type;
    if (!['RuntimeDefault', 'Localhost'].includes(seccomp)) problems.push(`${at}: seccompProfile ${seccomp}`);
    if (sc.procMount && sc.procMount !== 'Default') problems.push(`${at}: procMount`);
    if ((c.ports ?? []).some((p: Any) => p.hostPort)) problems.push(`${at}: hostPort`);
    // Beyond the standard, required here.
    if (sc.readOnlyRootFilesystem !== true) problems.push(`${at}: readOnlyRootFilesystem must be true`);
    for (const kind of ['requests', 'limits']) {
      for (const r of ['cpu', 'memory']) if (!c.resources?.[kind]?.[r]) problems.push(`${at}: no ${kind}.${r}`);
    }
    if (/:latest$/.test(c.image) || !/[:@]/.test(c.image.split('/').pop())) problems.push(`${at}: image ${c.image} has no fixed tag`);
  }
  if (pod.automountServiceAccountToken !== false) problems.push(`${where}: automountServiceAccountToken must be false`);
  return problems;
}

function mountedFiles(pod: Any, container: Any, objects: K8sObject[]): Map<string, { secret?: string; configMap?: string; key: string }> {
  const files = new Map<string, { secret?: string; configMap?: string; key: string }>();
  for (const m of container.volumeMounts ?? []) {
    const volume = pod.volumes.find((v: Any) => v.name === m.name);
    const sources = volume.projected?.sources ?? (volume.secret ? [{ secret: { name: volume.secret.secretName, items: volume.secret.items } }] : volume.configMap ? [{ configMap: volume.configMap }] : []);
    for (const source of sources) {
      const ref = source.secret ?? source.configMap;
      const kind = source.secret ? 'Secret' : 'ConfigMap';
      const rendered = find(objects, kind, ref.name);
      const keys: string[] = ref.items?.map((i: Any) => i.key) ?? Object.keys(rendered?.data ?? {});
      for (const key of keys) {
        const item = ref.items?.find((i: Any) => i.key === key);
        const file = m.subPath ? (m.subPath === (item?.path ?? key) ? m.mountPath : undefined) : `${m.mountPath}/${item?.path ?? key}`;
        if (file) files.set(file, { [source.secret ? 'secret' : 'configMap']: ref.name, key });
      }
    }
  }
  return files;
}

/** Secrets the user creates (named in values), which the chart references but never renders. */
function userSecrets(values: Any): string[] {
  const names = [];
  if (values.secrets.existingSecret) names.push(values.secrets.existingSecret);
  if (values.postgresql.mode === 'external') names.push(values.postgresql.external.existingSecret || nameOf('database'));
  return names;
}

describe.each(CASES)('%s', (name) => {
  const objects = render(name);
  const values = effectiveValues(name);
  const pods = workloads(objects);

  it('every pod meets the restricted Pod Security Standard, read-only root, limits, fixed images', () => {
    expect(pods.flatMap((w) => restrictedViolations(w.spec.template.spec, `${w.kind}/${w.metadata.name}`))).toEqual([]);
  });

  it('every writable path is an emptyDir (or the database volume), /tmp everywhere', () => {
    for (const w of pods) {
      const pod = w.spec.template.spec;
      const c = pod.containers[0];
      const tmp = c.volumeMounts.find((m: Any) => m.mountPath === '/tmp');
      expect(pod.volumes.find((v: Any) => v.name === tmp?.name)?.emptyDir, `${w.metadata.name} /tmp`).toBeDefined();
      for (const m of c.volumeMounts) {
        const v = pod.volumes.find((x: Any) => x.name === m.name) ?? w.spec.volumeClaimTemplates?.find((t: Any) => t.metadata.name === m.name);
        expect(v, `${w.metadata.name}: mount ${m.name} has a volume`).toBeDefined();
        if (v.secret || v.configMap || v.projected) expect(m.readOnly, `${w.metadata.name}: ${m.mountPath} read-only`).toBe(true);
      }
    }
    const translation = find(objects, 'Deployment', nameOf('translation'))!.spec.template.spec;
    expect(bytes(translation.volumes.find((v: Any) => v.name === 'tmp').emptyDir.sizeLimit)).toBeGreaterThanOrEqual(bytes('256Mi'));
    const modelMount = translation.containers[0].volumeMounts.find((m: Any) => m.mountPath === '/var/lib/flotilla/translation-model');
    if (values.translation.model.volume === 'image') expect(modelMount).toBeUndefined();
    else expect(modelMount).toBeDefined();
  });

  it('images are <registry>/<prefix>-<component>:<tag>, the tag defaulting to appVersion', () => {
    for (const c of COMPONENTS) {
      const image = find(objects, 'Deployment', nameOf(c))!.spec.template.spec.containers[0].image;
      const repo = `${values.image.registry}/${values.image.prefix}-${c}`;
      const digest = values.image.digests?.[c];
      expect(image).toBe(digest ? `${repo}@${digest}` : `${repo}:${values.image.tag || chartVersion}`);
    }
  });

  it('selectors select their pods; Services, Ingress, HPA and PDB point at what exists', () => {
    for (const w of pods) {
      expect(labelsMatch(w.spec.selector.matchLabels, w.spec.template.metadata.labels), w.metadata.name).toBe(true);
      // No two workloads' selectors overlap.
      const overlapping = pods.filter((o) => labelsMatch(w.spec.selector.matchLabels, o.spec.template.metadata.labels));
      expect(overlapping.map((o) => o.metadata.name)).toEqual([w.metadata.name]);
    }
    for (const s of byKind(objects, 'Service')) {
      const targets = pods.filter((w) => labelsMatch(s.spec.selector, w.spec.template.metadata.labels));
      expect(targets.length, `Service ${s.metadata.name} selects one workload`).toBe(1);
      const ports = targets[0]!.spec.template.spec.containers.flatMap((c: Any) => c.ports ?? []);
      for (const p of s.spec.ports) expect(ports.map((cp: Any) => cp.name), `${s.metadata.name}:${p.targetPort}`).toContain(p.targetPort);
    }
    for (const sts of byKind(objects, 'StatefulSet')) {
      expect(find(objects, 'Service', sts.spec.serviceName)?.spec.clusterIP).toBe('None');
    }
    for (const ing of byKind(objects, 'Ingress')) {
      for (const rule of ing.spec.rules) {
        for (const p of rule.http.paths) {
          const svc = find(objects, 'Service', p.backend.service.name);
          expect(svc?.spec.ports.map((x: Any) => x.name)).toContain(p.backend.service.port.name);
        }
      }
      for (const tls of ing.spec.tls ?? []) for (const host of tls.hosts) expect(ing.spec.rules.map((r: Any) => r.host)).toContain(host);
    }
    const hpas = byKind(objects, 'HorizontalPodAutoscaler');
    expect(hpas.map((h) => h.metadata.name).sort()).toEqual(values.autoscaling.enabled ? ['gateway', 'fleet', 'translation'].map(nameOf).sort() : []);
    for (const h of hpas) {
      const target = find(objects, h.spec.scaleTargetRef.kind, h.spec.scaleTargetRef.name);
      expect(target?.apiVersion).toBe(h.spec.scaleTargetRef.apiVersion);
      expect(target!.spec.replicas, `${h.metadata.name}: the HPA owns replicas`).toBeUndefined();
      expect(h.spec.minReplicas).toBeLessThanOrEqual(h.spec.maxReplicas);
    }
    const pdbs = byKind(objects, 'PodDisruptionBudget');
    expect(pdbs.length).toBe(values.podDisruptionBudget.enabled ? COMPONENTS.length : 0);
    for (const p of pdbs) {
      expect(pods.filter((w) => labelsMatch(p.spec.selector.matchLabels, w.spec.template.metadata.labels)).length, p.metadata.name).toBe(1);
    }
    for (const w of pods) {
      const sa = w.spec.template.spec.serviceAccountName;
      if (values.serviceAccount.create) expect(find(objects, 'ServiceAccount', sa)?.automountServiceAccountToken).toBe(false);
    }
  });

  it('every referenced Secret or ConfigMap key exists (or is a Secret the user creates)', () => {
    const external = userSecrets(values);
    for (const w of pods) {
      for (const v of w.spec.template.spec.volumes) {
        const refs = v.projected?.sources ?? [v];
        for (const r of refs) {
          const secretName = r.secret?.name ?? r.secret?.secretName;
          if (secretName) {
            const secret = find(objects, 'Secret', secretName);
            if (!secret) {
              expect(external, `${w.metadata.name}: Secret ${secretName}`).toContain(secretName);
              continue;
            }
            for (const item of r.secret.items ?? []) expect(Object.keys(secret.data), `${secretName}`).toContain(item.key);
          }
          if (r.configMap) expect(find(objects, 'ConfigMap', r.configMap.name), r.configMap.name).toBeDefined();
        }
      }
    }
  });

  it('no secret value in a ConfigMap, an env value or values.yaml', () => {
    const secretValues = byKind(objects, 'Secret').flatMap((s) =>
      Object.entries(s.data ?? {})
        .filter(([key]) => key !== 'username') // a basic-auth Secret's role name is no secret
        .map(([, v]) => Buffer.from(v as string, 'base64').toString()),
    );
    const plain = JSON.stringify([
      ...byKind(objects, 'ConfigMap'),
      ...pods.map((w) => w.spec.template.spec.containers.map((c: Any) => c.env ?? [])),
      readFileSync(path.join(CHART, 'values.yaml'), 'utf8'),
    ]);
    for (const value of secretValues) {
      expect(value.length).toBeGreaterThan(8);
      expect(plain.includes(value), 'a secret value appears in plain configuration').toBe(false);
    }
    for (const w of pods) {
      for (const e of w.spec.template.spec.containers[0].env ?? []) {
        expect(e.name, `${w.metadata.name}`).not.toMatch(/(PASSWORD|SECRET|DATABASE_URL|SIGNING_KEY)$/);
      }
    }
  });

  it('each Node service gets Compose\'s environment, and its *_FILE secrets at the same paths', () => {
    const stack = compose();
    for (const c of NODE_SERVICES) {
      const service = stack.services[c];
      const w = find(objects, 'Deployment', nameOf(c))!;
      const pod = w.spec.template.spec;
      const container = pod.containers[0];
      const env = Object.fromEntries(container.env.map((e: Any) => [e.name, e.value]));
      // Compose's tracing variables come from the shell (`${FLOTILLA_OTLP_ENDPOINT:-}`): in the
      // chart they are tracing.*, set only when tracing.enabled.
      const tracing = values.tracing;
      const fromTracing: Record<string, string | undefined> = tracing.enabled
        ? {
            OTEL_EXPORTER_OTLP_ENDPOINT: tracing.endpoint,
            OTEL_EXPORTER_OTLP_PROTOCOL: tracing.protocol,
            OTEL_TRACES_SAMPLER: tracing.sampler,
            OTEL_TRACES_SAMPLER_ARG: tracing.samplerArg || undefined,
          }
        : {};
      for (const [key, value] of Object.entries(service.environment as Record<string, string>)) {
        if (key.startsWith('OTEL_')) {
          expect(String(value), `${c}: ${key} in Compose`).toMatch(/^\$\{FLOTILLA_[A-Z_]+:-[^}]*\}$/);
          expect(env[key], `${c}: ${key}`).toBe(fromTracing[key]);
          continue;
        }
        // Compose's default (on) is the chart's auto, which values.yaml's networkPolicy decides.
        if (key === 'TRANSLATION_FETCH') {
          expect(String(value), `${c}: ${key} in Compose`).toBe('${FLOTILLA_TRANSLATION_FETCH:-on}');
          const np = values.networkPolicy;
          expect(env[key], `${c}: ${key}`).toBe(np.enabled && !np.egress.translation.enabled ? 'off' : 'on');
          continue;
        }
        // Compose service names become this release's Service names.
        const expected = String(value).replace(/^http:\/\/([a-z]+):8080$/, (_m, host) => `http://${nameOf(host)}:8080`);
        expect(env[key], `${c}: ${key}`).toBe(expected);
      }
      const extra = Object.keys(env).filter((k) => !(k in service.environment));
      expect(extra.sort(), `${c}: variables Compose does not set`).toEqual(
        ['HOST', 'PORT', ...(c === 'translation' ? ['TRANSLATION_ENGINE'] : []), ...Object.keys(values[c].env ?? {})].sort(),
      );
      // Compose mounts each of its `secrets:` at /run/secrets/<name>; so does the chart, and no more.
      const files = mountedFiles(pod, container, objects);
      const secretFiles = [...files.keys()].filter((f) => f.startsWith('/run/secrets/'));
      expect(secretFiles.sort(), c).toEqual((service.secrets as string[]).map((s) => `/run/secrets/${s}`).sort());
      for (const [key, value] of Object.entries(env)) if (key.endsWith('_FILE')) expect(files.has(value as string), `${c}: ${key}`).toBe(true);
      // Every secret file holds the Secret key of the same name.
      for (const f of secretFiles) expect(files.get(f)!.key).toBe(path.basename(f));
      // The URLs name Services that exist, on the port the containers listen on (the trace
      // collector's is outside the chart).
      for (const [key, value] of Object.entries(env)) {
        if (key === 'OTEL_EXPORTER_OTLP_ENDPOINT') continue;
        const m = /^http:\/\/([^:/]+):(\d+)$/.exec(value as string);
        if (!m) continue;
        const svc = find(objects, 'Service', m[1]!);
        expect(svc, `${c}: ${key} names a Service`).toBeDefined();
        expect(svc!.spec.ports.map((p: Any) => p.port), `${c}: ${key}`).toContain(Number(m[2]));
      }
      expect(container.ports).toEqual([
        { name: 'http', containerPort: 8080, protocol: 'TCP' },
        { name: 'metrics', containerPort: Number(env.METRICS_PORT), protocol: 'TCP' },
      ]);
      expect(env.METRICS_PORT).toBe(String(values.metrics.port));
    }
  });

  it('memory limits are at least Compose\'s mem_limit, /tmp at least its tmpfs', () => {
    const stack = compose();
    for (const c of COMPONENTS) {
      const service = stack.services[c];
      const w = find(objects, 'Deployment', nameOf(c))!;
      const limit = bytes(w.spec.template.spec.containers[0].resources.limits.memory);
      expect(limit, c).toBeGreaterThanOrEqual(bytes(service.mem_limit));
      const tmpfs = (service.tmpfs as string[]).find((t) => t.startsWith('/tmp:'))!;
      const size = /size=(\w+)/.exec(tmpfs)![1]!;
      const tmp = w.spec.template.spec.volumes.find((v: Any) => v.name === 'tmp').emptyDir.sizeLimit;
      expect(bytes(tmp), c).toBeGreaterThanOrEqual(bytes(size));
    }
  });

  it('probes use the kit\'s paths; translation has a startup probe long enough for its engine', () => {
    for (const c of NODE_SERVICES) {
      const container = find(objects, 'Deployment', nameOf(c))!.spec.template.spec.containers[0];
      expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'http' });
      expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'http' });
      expect(container.startupProbe, c).toBeDefined();
    }
    const t = find(objects, 'Deployment', nameOf('translation'))!.spec.template.spec.containers[0].startupProbe;
    expect(t.httpGet.path).toBe('/readyz');
    expect(t.periodSeconds * t.failureThreshold).toBeGreaterThanOrEqual(300);
    const edge = find(objects, 'Deployment', nameOf('edge'))!.spec.template.spec.containers[0];
    expect(edge.livenessProbe.httpGet.path).toBe('/nginx-health');
  });

  it('the users service gets one signing key for all replicas, and the database what the mode needs', () => {
    const mode = values.postgresql.mode;
    const app = find(objects, 'Secret', nameOf('app'));
    if (values.secrets.existingSecret) expect(app).toBeUndefined();
    else {
      expect(app!.metadata.annotations['helm.sh/resource-policy']).toBe('keep');
      const pem = Buffer.from(app!.data.signing_key, 'base64').toString();
      expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      // What services/users accepts: a PKCS#8 Ed25519 (or P-256) private key.
      expect(createPrivateKey(pem).asymmetricKeyType).toBe('ed25519');
      expect(Buffer.from(app!.data.gateway_secret, 'base64').toString().length).toBeGreaterThanOrEqual(16);
    }
    const db = find(objects, 'Secret', nameOf('database'));
    if (mode === 'external') expect(db).toBeUndefined();
    else {
      const host = mode === 'statefulset' ? nameOf('postgresql') : `${nameOf('db')}-rw`;
      for (const s of DOMAIN_SERVICES) {
        const url = new URL(Buffer.from(db!.data[`${s}_database_url`], 'base64').toString());
        expect([url.username, url.hostname, url.port, url.pathname]).toEqual([s, host, '5432', `/${s}`]);
      }
      const console = new URL(Buffer.from(db!.data.translation_console_database_url, 'base64').toString());
      expect([console.username, console.pathname]).toEqual(['translation_console', '/translation']);
      expect(find(objects, 'Service', host) ?? (mode === 'cloudnativepg' ? 'made by the operator' : undefined)).toBeDefined();
    }
    expect(byKind(objects, 'StatefulSet').length).toBe(mode === 'statefulset' ? 1 : 0);
    expect(byKind(objects, 'Cluster').length).toBe(mode === 'cloudnativepg' ? 1 : 0);
  });
});

describe('the demo database (statefulset)', () => {
  const objects = render('statefulset');
  const sts = byKind(objects, 'StatefulSet')[0]!;
  const pod = sts.spec.template.spec;
  const c = pod.containers[0];

  it('runs the official image as its postgres user with the init scripts and every password file they read', () => {
    expect(c.image).toMatch(/^docker\.io\/library\/postgres:\d+/);
    expect(pod.securityContext).toMatchObject({ runAsUser: 999, runAsGroup: 999, fsGroup: 999 });
    const files = mountedFiles(pod, c, objects);
    expect(files.get('/docker-entrypoint-initdb.d/10-flotilla-databases.sh')).toBeDefined();
    const script = readFileSync(path.join(CHART, 'files/postgres-init/10-flotilla-databases.sh'), 'utf8');
    // What the script reads: $dir/<service>_db_password and translation_console_db_password.
    expect(script).toMatch(/\$\{FLOTILLA_DB_INIT_SECRETS:-\/run\/secrets\}/);
    for (const s of [...DOMAIN_SERVICES, 'translation_console']) expect(files.has(`/run/secrets/${s}_db_password`), s).toBe(true);
    const env = Object.fromEntries(c.env.map((e: Any) => [e.name, e.value]));
    expect(env.POSTGRES_PASSWORD_FILE).toBe('/run/secrets/postgres_password');
    expect(files.has(env.POSTGRES_PASSWORD_FILE)).toBe(true);
    expect(env.FLOTILLA_DB_INIT_SECRETS, 'the script then reads /run/secrets and deletes nothing').toBeUndefined();
    for (const dir of ['/tmp', '/var/run/postgresql']) expect(c.volumeMounts.map((m: Any) => m.mountPath)).toContain(dir);
    expect(env.PGDATA.startsWith(c.volumeMounts.find((m: Any) => m.name === 'data').mountPath + '/')).toBe(true);
  });

  it('its URLs use the passwords the init script sets', () => {
    const passwords = find(objects, 'Secret', nameOf('postgresql'))!.data;
    const urls = find(objects, 'Secret', nameOf('database'))!.data;
    for (const s of DOMAIN_SERVICES) {
      const url = new URL(Buffer.from(urls[`${s}_database_url`], 'base64').toString());
      expect(url.password).toBe(Buffer.from(passwords[`${s}_db_password`], 'base64').toString());
    }
    const console = new URL(Buffer.from(urls.translation_console_database_url, 'base64').toString());
    expect(console.password).toBe(Buffer.from(passwords.translation_console_db_password, 'base64').toString());
  });
});

describe('CloudNativePG', () => {
  const objects = render('cloudnativepg');
  const cluster = byKind(objects, 'Cluster')[0]!;

  it('one Database and managed login role per service, the console roles, passwords from basic-auth Secrets', () => {
    const roles = cluster.spec.managed.roles as Any[];
    expect(roles.map((r) => r.name).sort()).toEqual([...DOMAIN_SERVICES, 'translation_console', 'translation_console_reader'].sort());
    const urls = find(objects, 'Secret', nameOf('database'))!.data;
    for (const r of roles) {
      if (r.name === 'translation_console_reader') {
        expect(r.login).toBe(false);
        expect(r.passwordSecret).toBeUndefined();
        continue;
      }
      const secret = find(objects, 'Secret', r.passwordSecret.name)!;
      expect(secret.type).toBe('kubernetes.io/basic-auth');
      expect(Buffer.from(secret.data.username, 'base64').toString()).toBe(r.name);
      const key = r.name === 'translation_console' ? 'translation_console_database_url' : `${r.name}_database_url`;
      expect(new URL(Buffer.from(urls[key], 'base64').toString()).password).toBe(Buffer.from(secret.data.password, 'base64').toString());
    }
    expect(roles.find((r) => r.name === 'translation_console').inRoles).toEqual(['translation_console_reader']);
    const dbs = byKind(objects, 'Database');
    expect(dbs.map((d) => [d.spec.name, d.spec.owner, d.spec.cluster.name])).toEqual(DOMAIN_SERVICES.map((s) => [s, s, cluster.metadata.name]));
    expect(dbs.find((d) => d.spec.name === 'fleet')!.spec.extensions).toEqual([{ name: 'btree_gist', ensure: 'present' }]);
    expect(cluster.spec.postgresql.pg_hba.at(-1)).toMatch(/ reject$/);
  });
});

describe('workload components', () => {
  it('every component of the chart is a Compose service', () => {
    const stack = compose();
    for (const w of workloads(render('all-on'))) {
      const c = componentOf(w);
      expect(stack.services[c === 'postgresql' ? 'db' : c], c).toBeDefined();
    }
  });
});
