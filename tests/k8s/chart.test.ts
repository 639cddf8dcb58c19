// The chart lints and renders with helm 3 and helm 4 over the values matrix; its schema refuses
// wrong values; the files it takes from deploy/ are those files, not copies.
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CASES,
  CHART,
  HELMS,
  ROOT,
  byKind,
  find,
  helm,
  nameOf,
  NAMESPACE,
  parseDocuments,
  render,
  template,
  valuesFile,
  type K8sObject,
} from './lib.js';

describe.each(HELMS)('%s', (which) => {
  it('lints the chart with --strict for every case of the matrix', () => {
    for (const name of CASES) {
      const run = helm(which, ['lint', '--strict', CHART, '-f', valuesFile(name)]);
      expect(run.status, `${name}:\n${run.stdout}${run.stderr}`).toBe(0);
      expect(run.stdout).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
      expect(run.stdout).not.toMatch(/\[(WARNING|ERROR)\]/);
    }
  });

  it.each(CASES)('renders %s', (name) => {
    const objects = render(name, which);
    expect(objects.length).toBeGreaterThan(10);
    for (const o of objects) {
      expect(o.apiVersion, JSON.stringify(o.metadata)).toBeTruthy();
      expect(o.metadata.name).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
      expect(o.metadata.name.length).toBeLessThanOrEqual(63);
      expect(o.metadata.namespace, 'namespace comes from helm --namespace').toBeUndefined();
    }
    const keys = objects.map((o) => `${o.kind}/${o.metadata.name}`);
    expect(new Set(keys).size, 'no object rendered twice').toBe(keys.length);
  });

  const bad: [string, string[], RegExp][] = [
    ['a string for a number', ['--set', 'edge.replicaCount=two'], /replicaCount/],
    ['an unknown top-level key', ['--set', 'tracing.enabled=true'], /tracing/],
    ['a misspelt nested key', ['--set', 'gateway.replicaCuont=3'], /replicaCuont/],
    ['an unknown database mode', ['--set', 'postgresql.mode=sqlite'], /mode/],
    ['a boolean as a string', ['--set-string', 'ingress.enabled=yes'], /enabled/],
    ['the latest tag', ['--set', 'image.tag=latest'], /tag/],
    ['a container without limits', ['--set', 'users.resources.limits=null'], /limits/],
    ['an unknown NetworkPolicy peer field', ['--set', 'networkPolicy.edgeFrom[0].podSelectr.a=b'], /podSelectr/],
    ['a secret as a plain variable', ['--set', 'stats.env.DATABASE_URL=postgres://x'], /secret/],
    ['a variable the chart sets itself', ['--set', 'fleet.env.USERS_URL=http://x'], /sets USERS_URL itself/],
  ];
  it.each(bad)('refuses %s', (_what, args, message) => {
    expect(() => template(which, args)).toThrow(message);
  });
});

/** Generated secret values differ on every render; everything else must not. */
function normalised(objects: K8sObject[]): unknown[] {
  return objects.map((o) => {
    if (o.kind !== 'Secret' || !o.data) return o;
    const derived = Object.values(o.data as Record<string, string>).some((v) => Buffer.from(v, 'base64').toString().startsWith('postgres://'));
    return { ...o, data: Object.fromEntries(Object.keys(o.data).map((k) => [k, derived ? '<url>' : '<generated>'])) };
  });
}

describe('helm 3 and helm 4', () => {
  it.each(CASES)('render %s identically (but for generated secrets)', (name) => {
    expect(normalised(render(name, 'helm3'))).toEqual(normalised(render(name, 'helm4')));
  });
});

describe('files the chart takes from deploy/ (links, never copies)', () => {
  it('files/postgres-init is a link to deploy/postgres/init, and the init ConfigMap holds exactly its files', () => {
    const link = path.join(CHART, 'files/postgres-init');
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(path.resolve(path.dirname(link), readlinkSync(link))).toBe(path.join(ROOT, 'deploy/postgres/init'));
    const cm = find(render('statefulset'), 'ConfigMap', `${nameOf('postgresql')}-init`)!;
    const dir = path.join(ROOT, 'deploy/postgres/init');
    expect(Object.keys(cm.data).sort()).toEqual(readdirSync(dir).sort());
    for (const file of readdirSync(dir)) expect(cm.data[file]).toBe(readFileSync(path.join(dir, file), 'utf8'));
  });

  it("the edge's gateway.conf names the cluster's DNS and the release's gateway Service, in the image's shape", () => {
    const source = readFileSync(path.join(ROOT, 'deploy/nginx/gateway.conf'), 'utf8');
    const directives = (text: string) => text.split('\n').filter((line) => line && !line.startsWith('#'));
    const rendered = find(render('defaults'), 'ConfigMap', nameOf('edge'))!.data['gateway.conf'] as string;
    const gateway = `${nameOf('gateway')}.${NAMESPACE}.svc.cluster.local`;
    // The same two directives as Compose's, with the cluster's values.
    expect(directives(source).map((line) => line.split(' ')[0])).toEqual(['resolver', 'set']);
    expect(directives(rendered)).toEqual([
      'resolver kube-dns.kube-system.svc.cluster.local valid=10s ipv6=off;',
      `set $flotilla_gateway http://${gateway}:8080;`,
    ]);
    // proxy.conf reads the address from that file, and the Service it names listens on 8080.
    expect(readFileSync(path.join(ROOT, 'deploy/nginx/proxy.conf'), 'utf8')).toContain(
      'include /etc/nginx/flotilla/gateway.conf;',
    );
    const service = find(render('defaults'), 'Service', nameOf('gateway'))!;
    // (Its other port is `metrics`, which the edge never proxies to.)
    expect(service.spec.ports.map((p: { name: string; port: number }) => `${p.name}:${p.port}`)).toEqual(['http:8080', 'metrics:9464']);
  });

  it('the edge mounts that file over the image copy, which deploy/Dockerfile puts at /etc/nginx/flotilla/', () => {
    const dockerfile = readFileSync(path.join(ROOT, 'deploy/Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/COPY deploy\/nginx\/flotilla\.conf .*deploy\/nginx\/gateway\.conf .*\/etc\/nginx\/flotilla\//);
    const edge = find(render('defaults'), 'Deployment', nameOf('edge'))!;
    const mount = edge.spec.template.spec.containers[0].volumeMounts.find((m: { subPath?: string }) => m.subPath === 'gateway.conf');
    expect(mount).toMatchObject({ mountPath: '/etc/nginx/flotilla/gateway.conf', readOnly: true });
  });

  it('helm package stores the linked files: the packaged chart renders as the directory does', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'flotilla-chart-'));
    try {
      const run = helm('helm4', ['package', CHART, '--destination', dir]);
      expect(run.status, run.stderr).toBe(0);
      const tgz = path.join(dir, readdirSync(dir).find((f) => f.endsWith('.tgz'))!);
      const packaged = helm('helm4', ['template', 'flotilla', tgz, '--namespace', NAMESPACE, '-f', valuesFile('statefulset')]);
      expect(packaged.status, packaged.stderr).toBe(0);
      expect(packaged.stderr).not.toMatch(/symbolic link/);
      expect(normalised(parseDocuments(packaged.stdout))).toEqual(normalised(render('statefulset', 'helm4')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the CloudNativePG console-role limits are the init script lines themselves', () => {
    const script = readFileSync(path.join(ROOT, 'deploy/postgres/init/10-flotilla-databases.sh'), 'utf8');
    const lines = [...script.matchAll(/^ALTER ROLE translation_console SET [a-z_]+ = [^;]+;/gm)].map((m) => m[0].slice(0, -1));
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const cluster = byKind(render('cloudnativepg'), 'Cluster')[0]!;
    expect(cluster.spec.bootstrap.initdb.postInitSQL.filter((s: string) => s.startsWith('ALTER ROLE'))).toEqual(lines);
  });
});
