// Shared by the chart tests: helm (from npm, via scripts/k8s-tools.mjs), the values matrix,
// rendering and small helpers over the rendered objects.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureK8sTools } from '../../scripts/k8s-tools.mjs';
import yaml from 'js-yaml';

// Plain YAML parsing with js-yaml. Not client-node's loadAllYaml: that deserialises into its
// model classes, renaming fields (`from` becomes `_from`) and dropping unknown ones, which is
// exactly what the tests must see.
//
// Kubernetes and Helm read manifests as YAML 1.1 (sigs.k8s.io/yaml): `defaultMode: 0440` is octal
// there (288, r--r-----), while js-yaml's YAML 1.2 reads it as decimal 440. Integers with a leading
// zero are therefore read as octal here too, replacing js-yaml's int type (same tag and kind).
// js-yaml exports its built-in types at run time; its type declarations leave them out.
const coreInt = (yaml as unknown as { types: { int: { resolve(data: string): boolean; construct(data: string): number } } })
  .types.int;
const octal11 = /^[-+]?0[0-7_]+$/;
const yaml11Int = new yaml.Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (data: string | null) => data !== null && (octal11.test(data) || coreInt.resolve(data)),
  construct: (data: string) => {
    if (!octal11.test(data)) return coreInt.construct(data);
    const sign = data.startsWith('-') ? -1 : 1;
    return sign * parseInt(data.replace(/^[-+]/, '').replace(/_/g, ''), 8);
  },
  predicate: (o: unknown) => Number.isInteger(o),
  represent: { decimal: (o: object) => (o as unknown as number).toString(10) },
  defaultStyle: 'decimal',
});
const schema = yaml.DEFAULT_SCHEMA.extend({ implicit: [yaml11Int] });
export const loadYaml = (text: string): any => yaml.load(text, { schema }); // eslint-disable-line @typescript-eslint/no-explicit-any
const loadAllYaml = (text: string): unknown[] => yaml.loadAll(text, null, { schema });

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const CHART = path.join(ROOT, 'deploy/helm/flotilla');
export const VALUES_DIR = path.join(ROOT, 'tests/k8s/values');
export const RELEASE = 'flotilla';
export const NAMESPACE = 'flotilla-test';

/** The values matrix: tests/k8s/values/<case>.yaml. */
export const CASES = ['defaults', 'all-on', 'external', 'cloudnativepg', 'statefulset', 'ingress-tls'] as const;
export type Case = (typeof CASES)[number];

export const COMPONENTS = ['edge', 'gateway', 'users', 'fleet', 'translation', 'stats'] as const;
export const NODE_SERVICES = ['gateway', 'users', 'fleet', 'translation', 'stats'] as const;
export const DOMAIN_SERVICES = ['users', 'fleet', 'translation', 'stats'] as const;

export type Helm = 'helm3' | 'helm4';
export const HELMS: Helm[] = ['helm4', 'helm3'];

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type K8sObject = { apiVersion: string; kind: string; metadata: { name: string; [k: string]: any }; [k: string]: any };

let tools: ReturnType<typeof ensureK8sTools> | undefined;
export function helmBinary(which: Helm): string {
  tools ??= ensureK8sTools();
  return tools[which].helm;
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function helm(which: Helm, args: string[]): Run {
  const run = spawnSync(helmBinary(which), args, {
    cwd: ROOT,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    // No kube config: nothing may reach a cluster (lookup answers empty, as in `helm template`).
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', KUBECONFIG: '/dev/null' },
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

export function valuesFile(name: Case): string {
  return path.join(VALUES_DIR, `${name}.yaml`);
}

/** `helm template` of the chart with extra arguments; throws with helm's message on failure. */
export function template(which: Helm, args: string[]): K8sObject[] {
  const run = helm(which, ['template', RELEASE, CHART, '--namespace', NAMESPACE, ...args]);
  if (run.status !== 0) throw new Error(`helm template ${args.join(' ')} failed:\n${run.stderr}`);
  return parseDocuments(run.stdout);
}

export function parseDocuments(text: string): K8sObject[] {
  return (loadAllYaml(text) as (K8sObject | null)[]).filter((o): o is K8sObject => o !== null);
}

const cache = new Map<string, K8sObject[]>();
/** One case of the matrix, rendered once per test file and helm. */
export function render(name: Case, which: Helm = 'helm4'): K8sObject[] {
  const key = `${which}:${name}`;
  if (!cache.has(key)) cache.set(key, template(which, ['-f', valuesFile(name)]));
  return cache.get(key)!;
}

/** The values a case effectively uses: the chart's defaults under the case's file. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function effectiveValues(name: Case): any {
  const defaults = loadYaml(readFileSync(path.join(CHART, 'values.yaml'), 'utf8'));
  const overrides = loadYaml(readFileSync(valuesFile(name), 'utf8')) ?? {};
  return deepMerge(defaults, overrides);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
function deepMerge(base: any, over: any): any {
  if (Array.isArray(over) || typeof over !== 'object' || over === null) return over;
  const out = { ...base };
  for (const [k, v] of Object.entries(over)) {
    out[k] = typeof v === 'object' && v !== null && !Array.isArray(v) && typeof base?.[k] === 'object' ? deepMerge(base[k], v) : v;
  }
  return out;
}

export function byKind(objects: K8sObject[], kind: string): K8sObject[] {
  return objects.filter((o) => o.kind === kind);
}

export function find(objects: K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name);
}

/** Deployments and StatefulSets: everything that makes pods here. */
export function workloads(objects: K8sObject[]): K8sObject[] {
  return objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet');
}

export function componentOf(o: K8sObject): string {
  return o.spec.template.metadata.labels['app.kubernetes.io/component'];
}

export function labelsMatch(selector: Record<string, string> | undefined, labels: Record<string, string>): boolean {
  return Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

/** Kubernetes label-selector semantics ({} selects everything). */
export function selects(selector: LabelSelector, labels: Record<string, string>): boolean {
  if (!labelsMatch(selector.matchLabels, labels)) return false;
  return (selector.matchExpressions ?? []).every(({ key, operator, values = [] }) => {
    switch (operator) {
      case 'In':
        return key in labels && values.includes(labels[key]!);
      case 'NotIn':
        return !(key in labels) || !values.includes(labels[key]!);
      case 'Exists':
        return key in labels;
      case 'DoesNotExist':
        return !(key in labels);
    }
  });
}

/** deploy/compose.yaml, parsed (anchors and merge keys resolved). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function compose(): any {
  return loadYaml(readFileSync(path.join(ROOT, 'deploy/compose.yaml'), 'utf8'));
}

/** Compose's mem_limit ("256m", "1g") in bytes; Kubernetes quantities likewise. */
export function bytes(quantity: string | number): number {
  const m = /^([0-9.]+)\s*([a-zA-Z]*)$/.exec(String(quantity));
  if (!m) throw new Error(`not a quantity: ${quantity}`);
  const units: Record<string, number> = {
    '': 1, k: 1e3, K: 1e3, M: 1e6, G: 1e9, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3,
    // Compose (docker) units are binary.
    b: 1, m: 1024 ** 2, g: 1024 ** 3,
  };
  const unit = units[m[2]!];
  if (unit === undefined) throw new Error(`unknown unit in ${quantity}`);
  return Number(m[1]) * unit;
}

/** The release's name for a component's Service/Deployment. */
export function nameOf(component: string): string {
  return `${RELEASE}-${component}`;
}
