// Pins: base images by digest wherever they are named (with the stand-in overrides kept), third-
// party actions by commit SHA, and Renovate configured to keep both (and npm) current.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { components, interpolate, ROOT } from '../../scripts/images.mjs';
import { loadYaml } from '../k8s/lib.js';

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');
const DIGEST = /@sha256:[a-f0-9]{64}$/;

/** The Dockerfile's global ARG defaults: { NODE_IMAGE: 'node:…@sha256:…', … }. */
const dockerfileArgs: Record<string, string> = Object.fromEntries(
  [...read('deploy/Dockerfile').matchAll(/^ARG ([A-Z_]+_IMAGE)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]),
);
const compose = loadYaml(read('deploy/compose.yaml'));

describe('base images are pinned by digest, and can still be swapped for stand-ins', () => {
  it('deploy/Dockerfile: every base-image ARG default has a digest', () => {
    expect(Object.keys(dockerfileArgs).sort()).toEqual(['NGINX_IMAGE', 'NODE_IMAGE']);
    for (const [name, value] of Object.entries(dockerfileArgs)) expect(value, name).toMatch(DIGEST);
  });

  it('deploy/compose.yaml passes the same defaults as build args (no drift), overridable by NODE_IMAGE/NGINX_IMAGE', () => {
    for (const c of components({ env: {} })) {
      for (const name of Object.keys(dockerfileArgs)) expect(c.args[name], `${c.name} ${name}`).toBe(dockerfileArgs[name]);
    }
    const standIns = components({ env: { NODE_IMAGE: 'ci/node:20', NGINX_IMAGE: 'ci/nginx:1.22' } });
    expect(standIns.every((c) => c.args.NODE_IMAGE === 'ci/node:20' && c.args.NGINX_IMAGE === 'ci/nginx:1.22')).toBe(true);
  });

  it('the database image: the same digest in Compose, the chart\'s StatefulSet and the CI service container', () => {
    const db = interpolate(compose.services.db.image, {});
    expect(db).toMatch(DIGEST);
    expect(interpolate(compose.services.db.image, { POSTGRES_IMAGE: 'ci/postgres:15' })).toBe('ci/postgres:15');
    const values = loadYaml(read('deploy/helm/flotilla/values.yaml'));
    const chart = values.postgresql.statefulset.image;
    expect(`${chart.repository}:${chart.tag}`.replace(/^docker\.io\/library\//, '')).toBe(db);
    const ci = loadYaml(read('.github/workflows/ci.yml'));
    expect(ci.jobs.check.services.postgres.image).toBe(db);
  });

  it('Prometheus and Grafana (monitoring profile) stay overridable variables', () => {
    expect(compose.services.prometheus.image).toMatch(/^\$\{PROMETHEUS_IMAGE:-/);
    expect(compose.services.grafana.image).toMatch(/^\$\{GRAFANA_IMAGE:-/);
  });
});

describe('every third-party action is pinned by commit SHA, with its release in a comment', () => {
  for (const file of ['.github/workflows/ci.yml', '.github/workflows/release.yml']) {
    it(file, () => {
      const uses = [...read(file).matchAll(/^\s*(?:-\s*)?uses:\s*(\S+)(.*)$/gm)].map((m) => ({ ref: m[1]!, rest: m[2]! }));
      expect(uses.length).toBeGreaterThan(0);
      for (const { ref, rest } of uses) {
        if (ref.startsWith('./')) continue;
        expect(ref, ref).toMatch(/^[A-Za-z0-9-]+\/[A-Za-z0-9._-]+@[0-9a-f]{40}$/);
        expect(rest, ref).toMatch(/^\s+# v\d+\.\d+\.\d+$/);
      }
    });
  }

  it('one SHA per action across the workflows', () => {
    const seen = new Map<string, Set<string>>();
    for (const file of ['.github/workflows/ci.yml', '.github/workflows/release.yml']) {
      for (const m of read(file).matchAll(/uses:\s*([^@\s]+)@([0-9a-f]{40})/g)) {
        seen.set(m[1]!, (seen.get(m[1]!) ?? new Set()).add(m[2]!));
      }
    }
    for (const [action, shas] of seen) expect([...shas], action).toHaveLength(1);
  });
});

describe('Renovate keeps the pins current', () => {
  const renovate = JSON.parse(read('.github/renovate.json'));

  it('its compose.yaml manager finds every image default there, digests included', () => {
    const manager = renovate.customManagers.find((m: { managerFilePatterns: string[] }) => m.managerFilePatterns.includes('/^deploy/compose\\.yaml$/'));
    const text = read('deploy/compose.yaml');
    const found = manager.matchStrings.flatMap((pattern: string) => [...text.matchAll(new RegExp(pattern, 'g'))].map((m) => m.groups!));
    const byName = Object.fromEntries(found.map((g: Record<string, string>) => [g.depName, g]));
    for (const value of [...Object.values(dockerfileArgs), interpolate(compose.services.db.image, {})]) {
      const [image, digest] = value.split('@');
      const name = image!.slice(0, image!.lastIndexOf(':'));
      expect(byName[name]?.currentValue, name).toBe(image!.slice(image!.lastIndexOf(':') + 1));
      expect(byName[name]?.currentDigest, name).toBe(digest);
    }
    expect(Object.keys(byName)).toEqual(expect.arrayContaining(['prom/prometheus', 'grafana/grafana']));
    // Every ${…_IMAGE:-…} in the file is matched (none escapes the manager).
    expect(found.length).toBe([...text.matchAll(/\$\{[A-Z_]+_IMAGE:-/g)].length);
  });

  it('holds back the majors that need Node 22 and filters versions by engines', () => {
    expect(renovate.constraintsFiltering).toBe('strict');
    const held = Object.fromEntries(
      renovate.packageRules
        .filter((r: { allowedVersions?: string }) => r.allowedVersions)
        .flatMap((r: { matchPackageNames: string[]; allowedVersions: string }) => r.matchPackageNames.map((n) => [n, r.allowedVersions])),
    );
    expect(held).toMatchObject({
      kysely: '<0.29.0',
      vitest: '<5.0.0',
      undici: '<8.0.0',
      'kubernetes-models': '<5.0.0',
      '@opentelemetry/**': '<0.300.0',
    });
    const npmGroup = renovate.packageRules.find((r: { matchManagers?: string[]; groupName?: string }) => r.matchManagers?.includes('npm') && r.groupName);
    expect(npmGroup?.groupName).toBeTruthy();
  });
});
