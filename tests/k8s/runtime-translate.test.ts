// The translation from rendered objects to `docker run` (tests/k8s/runtime/translate.ts), without
// Docker: what each rendered pod becomes, and that anything it cannot translate is refused by
// name rather than dropped.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { NAMESPACE, ROOT, RELEASE, template, type K8sObject } from './lib.js';
import { components } from '../../scripts/images.mjs';
import { RUNTIME_IMAGES, runtimeImage, runtimeSetArgs } from './runtime/release.js';
import { cpus, expand, memoryBytes, planRelease, planWorkload, Untranslatable, type ContainerPlan, type PlanOptions } from './runtime/translate.js';

const objects = template('helm4', runtimeSetArgs({ registry: 'localhost/test', prefix: 'flotilla', tag: 'unit' }));
const options: PlanOptions = {
  namespace: NAMESPACE,
  clusterDomain: 'cluster.local',
  network: 'net',
  namePrefix: 'p',
  filesDir: '/files',
  labels: { owner: 'unit' },
  publishServices: [`${RELEASE}-edge`],
  imageUser: () => 'node',
};
const plans = planRelease(objects, options);
const plan = (component: string): ContainerPlan => plans.find((p) => p.component === component)!;
/** The values given to one docker flag. */
const flag = (p: ContainerPlan, name: string) => {
  const opts = p.runArgs.slice(0, p.runArgs.indexOf(p.image));
  return opts.flatMap((a, i) => (opts[i - 1] === name ? [a] : []));
};
const clone = <T>(o: T): T => structuredClone(o);
const workload = (name: string) => clone(objects.find((o) => o.metadata.name === `${RELEASE}-${name}` && (o.kind === 'Deployment' || o.kind === 'StatefulSet'))!);
const planOne = (w: K8sObject, extra: K8sObject[] = []) => planWorkload([...objects.filter((o) => o.metadata.name !== w.metadata.name || o.kind !== w.kind), ...extra, w], w, options);

describe('runtime translation of the rendered release', () => {
  it('one container per Deployment and StatefulSet, each with its image and the chart\'s hardening', () => {
    expect(plans.map((p) => p.component).sort()).toEqual(['edge', 'fleet', 'gateway', 'postgresql', 'stats', 'translation', 'users']);
    for (const p of plans) {
      expect(p.runArgs).toContain('--read-only');
      expect(flag(p, '--cap-drop')).toEqual(['ALL']);
      expect(flag(p, '--security-opt')).toEqual(['no-new-privileges']);
      expect(flag(p, '--memory')).toHaveLength(1);
      expect(flag(p, '--network')).toEqual(['net']);
    }
    expect(plan('gateway').image).toBe('localhost/test/flotilla-gateway:unit');
    expect(plan('postgresql').image).toBe('flotilla-k8s-runtime/postgres:15-nonroot');
  });

  it('every env entry of every rendered container becomes a -e, in order, none dropped', () => {
    for (const w of objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
      const c = w.spec.template.spec.containers[0];
      const p = plans.find((x) => x.workload === `${w.kind}/${w.metadata.name}`)!;
      expect(flag(p, '-e')).toEqual((c.env ?? []).map((e: { name: string; value: string }) => `${e.name}=${e.value}`));
    }
  });

  it('Node services: command, workingDir, uid/gid with fsGroup, --init for the shared process namespace, sized /tmp', () => {
    const g = plan('gateway');
    expect(flag(g, '--entrypoint')).toEqual(['node']);
    expect(g.runArgs.slice(g.runArgs.indexOf(g.image) + 1)).toEqual(['dist/main.js']);
    expect(flag(g, '-w')).toEqual(['/app/services/gateway']);
    expect(flag(g, '--user')).toEqual(['1000:1000']);
    expect(flag(g, '--group-add')).toEqual(['1000']);
    expect(g.runArgs).toContain('--init');
    expect(g.volumes).toEqual([{ name: `p-${g.pod}-tmp`, options: `size=${64 * 1024 ** 2},mode=2777,uid=0,gid=1000` }]);
    expect(flag(g, '-v')).toContain(`p-${g.pod}-tmp:/tmp:nocopy`);
    expect(plan('translation').volumes.map((v) => v.options)).toEqual([`size=${256 * 1024 ** 2},mode=2777,uid=0,gid=1000`, `size=${512 * 1024 ** 2},mode=2777,uid=0,gid=1000`]);
  });

  it('Services become network aliases, fully qualified too; the edge publishes its port', () => {
    expect(plan('gateway').aliases).toEqual(['flotilla-gateway', `flotilla-gateway.${NAMESPACE}`, `flotilla-gateway.${NAMESPACE}.svc`, `flotilla-gateway.${NAMESPACE}.svc.cluster.local`]);
    expect(plan('postgresql').aliases).toContain(`flotilla-postgresql-0.flotilla-postgresql-hl.${NAMESPACE}.svc.cluster.local`);
    expect(plan('edge').publish).toEqual([8080]);
    expect(plans.filter((p) => p.publish.length > 0)).toHaveLength(1);
    expect(plan('edge').runArgs).not.toContain('--init');
  });

  it('Secret files as the kubelet writes them: root:fsGroup, the volume\'s mode (0440), behind ..data symlinks', () => {
    const u = plan('users');
    const files = u.files.filter((f) => f.type === 'file');
    expect(files.map((f) => path.basename(f.path)).sort()).toEqual(['admin_password', 'gateway_secret', 'signing_key', 'users_database_url']);
    for (const f of files) expect([f.mode, f.uid, f.gid]).toEqual([0o440, 0, 1000]);
    const links = u.files.filter((f) => f.type === 'symlink');
    expect(links.find((l) => l.path.endsWith('/..data'))?.target).toMatch(/^\.\.\d{4}_/);
    expect(links.find((l) => l.path.endsWith('/signing_key'))?.target).toBe('..data/signing_key');
    expect(flag(u, '-v')).toContain(`/files/${u.pod}/secrets:/run/secrets:ro`);
    const url = files.find((f) => f.path.endsWith('users_database_url'))!.content!.toString();
    expect(url).toMatch(/^postgres:\/\/users:[A-Za-z0-9]+@flotilla-postgresql:5432\/users$/);
  });

  it('ConfigMap files: the edge\'s subPath binds the file itself, PostgreSQL\'s init directory the whole volume', () => {
    const e = plan('edge');
    expect(flag(e, '-v')).toContainEqual(expect.stringMatching(/^\/files\/[^:]+\/nginx\/\.\.\d{4}[^/]*\/gateway\.conf:\/etc\/nginx\/flotilla\/gateway\.conf:ro$/));
    expect(e.files.find((f) => f.path.endsWith('gateway.conf') && f.type === 'file')?.content?.toString()).toContain('resolver 127.0.0.11');
    const pg = plan('postgresql');
    const init = pg.files.find((f) => f.type === 'file' && f.path.endsWith('10-flotilla-databases.sh'))!;
    expect([init.mode, init.gid]).toEqual([0o644, 999]);
    expect(init.content!.toString()).toBe(readFileSync(path.join(ROOT, 'deploy/postgres/init/10-flotilla-databases.sh'), 'utf8'));
    expect(flag(pg, '-v')).toContain(`/files/${pg.pod}/init:/docker-entrypoint-initdb.d:ro`);
    expect(flag(pg, '-v')).toContain(`p-${pg.pod}-shm:/dev/shm:nocopy`);
    expect(pg.runArgs.slice(pg.runArgs.indexOf(pg.image) + 1)).toEqual(['postgres']);
    expect(flag(pg, '--entrypoint')).toEqual([]);
  });

  it('probes keep their handler, named port and timing', () => {
    expect(plan('translation').probes.startup).toMatchObject({ kind: 'http', port: 8080, path: '/readyz', periodSeconds: 5, failureThreshold: 60 });
    expect(plan('postgresql').probes.readiness).toMatchObject({ kind: 'exec', command: expect.arrayContaining(['pg_isready']) });
  });

  it('lists what has no effect here instead of dropping it silently', () => {
    expect(plan('users').notTranslated.join('\n')).toMatch(/topologySpreadConstraints \(scheduling\)[\s\S]*lifecycle\.preStop/);
  });
});

describe('runtime translation: values resolved as Kubernetes would', () => {
  it('secretKeyRef, configMapKeyRef and fieldRef are resolved; $(VAR) expanded; a later duplicate wins', () => {
    const w = workload('fleet');
    w.spec.template.spec.containers[0].env = [
      { name: 'A', valueFrom: { secretKeyRef: { name: `${RELEASE}-app`, key: 'gateway_secret' } } },
      { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'COMPONENT', valueFrom: { fieldRef: { fieldPath: "metadata.labels['app.kubernetes.io/component']" } } },
      { name: 'CONF', valueFrom: { configMapKeyRef: { name: `${RELEASE}-edge`, key: 'gateway.conf' } } },
      { name: 'URL', value: 'http://$(COMPONENT).$(NS):$(MISSING)/$$(NS)' },
      { name: 'GONE', valueFrom: { secretKeyRef: { name: 'nowhere', key: 'x', optional: true } } },
      { name: 'NS', value: 'again' },
    ];
    w.spec.template.spec.containers[0].args = ['--url=$(URL)'];
    const [p] = planOne(w);
    const env = Object.fromEntries(flag(p!, '-e').map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)]));
    const app = objects.find((o) => o.kind === 'Secret' && o.metadata.name === `${RELEASE}-app`)!;
    expect(env.A).toBe(Buffer.from(app.data.gateway_secret, 'base64').toString());
    expect(env.URL).toBe(`http://fleet.${NAMESPACE}:$(MISSING)/$(NS)`);
    expect(env.CONF).toContain('resolver 127.0.0.11');
    expect(env.NS).toBe('again');
    expect('GONE' in env).toBe(false);
    expect(flag(p!, '-e').at(-1)).toBe('NS=again');
    expect(p!.runArgs.at(-1)).toBe(`--url=http://fleet.${NAMESPACE}:$(MISSING)/$(NS)`);
  });

  it('expand, cpus and memoryBytes follow Kubernetes', () => {
    const vars = new Map([['A', 'x']]);
    expect(expand('$(A)-$$(A)-$(B)-$A-$(A', vars)).toBe('x-$(A)-$(B)-$A-$(A');
    expect(expand('cost $', vars)).toBe('cost $');
    expect([cpus('500m'), cpus('2'), cpus(1)]).toEqual([0.5, 2, 1]);
    expect([memoryBytes('128Mi'), memoryBytes('1Gi'), memoryBytes('1G'), memoryBytes(1000)]).toEqual([128 * 1024 ** 2, 1024 ** 3, 1e9, 1000]);
  });
});

describe('runtime translation refuses what it cannot run faithfully', () => {
  type Mutation = [string, (w: K8sObject) => void, RegExp];
  const container = (w: K8sObject) => w.spec.template.spec.containers[0];
  const cases: Mutation[] = [
    ['a misspelt container field', (w) => (container(w).imagePullPolcy = 'Never'), /field imagePullPolcy/],
    ['envFrom', (w) => (container(w).envFrom = [{ secretRef: { name: `${RELEASE}-app` } }]), /field envFrom/],
    ['a resourceFieldRef', (w) => container(w).env.push({ name: 'X', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } }), /resourceFieldRef/],
    ['a fieldRef only a cluster knows', (w) => container(w).env.push({ name: 'X', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } }), /status\.podIP/],
    ['a secretKeyRef to a Secret not rendered', (w) => container(w).env.push({ name: 'X', valueFrom: { secretKeyRef: { name: 'elsewhere', key: 'k' } } }), /Secret elsewhere is not among the rendered objects/],
    ['a missing key', (w) => container(w).env.push({ name: 'X', valueFrom: { secretKeyRef: { name: `${RELEASE}-app`, key: 'nope' } } }), /key nope/],
    ['an init container', (w) => (w.spec.template.spec.initContainers = [{ name: 'i', image: 'x' }]), /field initContainers/],
    ['a second container', (w) => w.spec.template.spec.containers.push({ ...container(w), name: 'sidecar' }), /2 containers/],
    ['a hostPath volume', (w) => { w.spec.template.spec.volumes.push({ name: 'h', hostPath: { path: '/' } }); container(w).volumeMounts.push({ name: 'h', mountPath: '/h' }); }, /volume type hostPath/],
    ['a mount of a volume that is not declared', (w) => container(w).volumeMounts.push({ name: 'nope', mountPath: '/x' }), /no such volume/],
    ['mountPropagation', (w) => (container(w).volumeMounts[0].mountPropagation = 'HostToContainer'), /field mountPropagation/],
    ['runAsNonRoot as uid 0', (w) => (w.spec.template.spec.securityContext.runAsUser = 0), /uid 0/],
    ['runAsNonRoot with an image\'s non-numeric user', (w) => delete w.spec.template.spec.securityContext.runAsUser, /non-numeric user "node"/],
    ['a privileged container', (w) => (container(w).securityContext.privileged = true), /privileged/],
    ['a mounted service-account token', (w) => (w.spec.template.spec.automountServiceAccountToken = true), /service-account token/],
    ['service links', (w) => delete w.spec.template.spec.enableServiceLinks, /service links/],
    ['a probe on a port name that does not exist', (w) => (container(w).readinessProbe.httpGet.port = 'nope'), /port nope names no containerPort/],
    ['a gRPC probe', (w) => (container(w).livenessProbe = { grpc: { port: 8080 } }), /field grpc/],
    ['a selector that does not select the pods', (w) => (w.spec.selector.matchLabels['app.kubernetes.io/component'] = 'other'), /does not select/],
  ];
  it.each(cases)('%s', (_what, mutate, message) => {
    const w = workload('fleet');
    mutate(w);
    expect(() => planOne(w)).toThrow(Untranslatable);
    expect(() => planOne(w)).toThrow(message);
  });

  it('a Service that remaps its port (an alias reaches the container port itself)', () => {
    const svc = clone(objects.find((o) => o.kind === 'Service' && o.metadata.name === `${RELEASE}-fleet`)!);
    svc.spec.ports[0].port = 80;
    const w = workload('fleet');
    expect(() => planWorkload([...objects.filter((o) => o !== objects.find((x) => x.kind === 'Service' && x.metadata.name === `${RELEASE}-fleet`)), svc], w, options)).toThrow(/port 80 → targetPort 8080/);
  });

  it('persistent volume claims (the runtime check renders the StatefulSet without them)', () => {
    const w = workload('postgresql');
    w.spec.volumeClaimTemplates = [{ metadata: { name: 'data' }, spec: {} }];
    expect(() => planOne(w)).toThrow(/persistent volume claims/);
  });

  it('pod-making kinds it does not run', () => {
    expect(() => planRelease([...objects, { apiVersion: 'batch/v1', kind: 'Job', metadata: { name: 'j' }, spec: {} }], options)).toThrow(/kind Job/);
  });
});

describe('runtime check: images', () => {
  it('runs the images the build names, as the chart names them: <registry>/flotilla-<component>:<tag>, no re-tagging', () => {
    const rendered = template('helm4', runtimeSetArgs(RUNTIME_IMAGES));
    const images = new Map<string, string>();
    for (const o of rendered.filter((x) => x.kind === 'Deployment')) {
      images.set(o.metadata.labels['app.kubernetes.io/component'], o.spec.template.spec.containers[0].image);
    }
    const built = components().map((c) => c.name);
    expect([...images.keys()].sort()).toEqual([...built].sort());
    for (const name of built) expect(images.get(name)).toBe(runtimeImage(name));
  });
});
