// Every rendered object against the Kubernetes schemas (kubernetes-models: types, enums, required
// fields) and for unknown fields (@kubernetes/client-node's type maps, which validate() lacks);
// CloudNativePG objects against its documented fields.
import * as k8s from '@kubernetes/client-node';
import * as appsV1 from 'kubernetes-models/apps/v1';
import * as autoscalingV2 from 'kubernetes-models/autoscaling/v2';
import * as networkingV1 from 'kubernetes-models/networking.k8s.io/v1';
import * as policyV1 from 'kubernetes-models/policy/v1';
import * as coreV1 from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { CLUSTER_SPEC, DATABASE_SPEC, checkField, type Struct } from './cloudnativepg-fields.js';
import { CASES, render, type K8sObject } from './lib.js';

type AttributeMap = { name: string; baseName: string; type: string }[];
type ModelClass = { getAttributeTypeMap(): AttributeMap };

function modelClass(type: string): ModelClass | undefined {
  const candidate = (k8s as unknown as Record<string, unknown>)[type] as Partial<ModelClass> | undefined;
  return typeof candidate?.getAttributeTypeMap === 'function' ? (candidate as ModelClass) : undefined;
}

/** Fields of `value` that the Kubernetes type `type` does not have, recursively. */
export function unknownFields(value: unknown, type: string, at: string): string[] {
  if (value === null || value === undefined) return [];
  const array = /^Array<(.+)>$/.exec(type);
  if (array) return Array.isArray(value) ? value.flatMap((v, i) => unknownFields(v, array[1]!, `${at}[${i}]`)) : [`${at}: expected a list`];
  const map = /^\{ \[key: string\]: (.+); \}$/.exec(type);
  if (map) return typeof value === 'object' ? Object.entries(value).flatMap(([k, v]) => unknownFields(v, map[1]!, `${at}.${k}`)) : [`${at}: expected a map`];
  const cls = modelClass(type);
  if (!cls) return []; // string, number, boolean, Date, IntOrString, any: kubernetes-models checks these
  if (typeof value !== 'object' || Array.isArray(value)) return [`${at}: expected an object (${type})`];
  const attributes = new Map(cls.getAttributeTypeMap().map((a) => [a.baseName, a.type]));
  return Object.entries(value).flatMap(([k, v]) =>
    attributes.has(k) ? unknownFields(v, attributes.get(k)!, `${at}.${k}`) : [`${at}.${k}: unknown field of ${type}`],
  );
}

function clientNodeType(o: K8sObject): string {
  const version = o.apiVersion.split('/').pop()!;
  return `${version[0]!.toUpperCase()}${version.slice(1)}${o.kind}`;
}

const MODELS: Record<string, unknown> = {
  v1: coreV1,
  'apps/v1': appsV1,
  'autoscaling/v2': autoscalingV2,
  'networking.k8s.io/v1': networkingV1,
  'policy/v1': policyV1,
};

async function kubernetesModel(o: K8sObject): Promise<new (data: unknown) => { validate(): void }> {
  const module = MODELS[o.apiVersion] as Record<string, new (data: unknown) => { validate(): void }> | undefined;
  const model = module?.[o.kind];
  if (!model) throw new Error(`kubernetes-models has no ${o.apiVersion} ${o.kind}`);
  return model;
}

const CNPG = 'postgresql.cnpg.io/v1';

describe.each(CASES)('%s', (name) => {
  const objects = render(name);

  it('every Kubernetes object validates against the Kubernetes 1.27 schema (kubernetes-models)', async () => {
    const problems: string[] = [];
    for (const o of objects.filter((x) => x.apiVersion !== CNPG)) {
      const Model = await kubernetesModel(o);
      try {
        new Model(o).validate();
      } catch (error) {
        problems.push(`${o.kind}/${o.metadata.name}: ${(error as Error).message}`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('no object has a field its type does not know (client-node type maps)', () => {
    const problems = objects
      .filter((x) => x.apiVersion !== CNPG)
      .flatMap((o) => {
        const type = clientNodeType(o);
        expect(modelClass(type), `no client-node type ${type}`).toBeDefined();
        return unknownFields(o, type, `${o.kind}/${o.metadata.name}`);
      });
    expect(problems).toEqual([]);
  });

  it('CloudNativePG objects use only documented fields', () => {
    const specs: Record<string, Struct> = { Cluster: CLUSTER_SPEC, Database: DATABASE_SPEC };
    const problems = objects
      .filter((o) => o.apiVersion === CNPG)
      .flatMap((o) => {
        const spec = specs[o.kind];
        if (!spec) return [`${o.kind}/${o.metadata.name}: not a kind the chart should render`];
        const extra = Object.keys(o).filter((k) => !['apiVersion', 'kind', 'metadata', 'spec'].includes(k));
        return [
          ...extra.map((k) => `${o.kind}/${o.metadata.name}.${k}: unexpected`),
          ...unknownFields(o.metadata, 'V1ObjectMeta', `${o.kind}/${o.metadata.name}.metadata`),
          ...checkField(o.spec, spec, `${o.kind}/${o.metadata.name}.spec`, unknownFields),
        ];
      });
    expect(problems).toEqual([]);
  });
});

describe('the checks themselves', () => {
  it('catch a misspelt field that validate() lets through', async () => {
    const deployment = render('defaults').find((o) => o.kind === 'Deployment')!;
    const typo = structuredClone(deployment);
    typo.spec.template.spec.containers[0].imagePullPolcy = 'Always';
    const Model = await kubernetesModel(typo);
    expect(() => new Model(typo).validate()).not.toThrow();
    expect(unknownFields(typo, 'V1Deployment', 'd')).toEqual([
      'd.spec.template.spec.containers[0].imagePullPolcy: unknown field of V1Container',
    ]);
  });

  it('catch a wrong type', async () => {
    const deployment = structuredClone(render('defaults').find((o) => o.kind === 'Deployment')!);
    deployment.spec.replicas = 'two';
    const Model = await kubernetesModel(deployment);
    expect(() => new Model(deployment).validate()).toThrow(/replicas/);
  });

  it('catch an undocumented CloudNativePG field', () => {
    const cluster = structuredClone(render('cloudnativepg').find((o) => o.kind === 'Cluster')!);
    cluster.spec.managed.roles[0].passwordSecrets = { name: 'x' };
    cluster.spec.storage.sizee = '1Gi';
    cluster.spec.resources.limit = {};
    expect(checkField(cluster.spec, CLUSTER_SPEC, 'c', unknownFields).sort()).toEqual([
      'c.managed.roles[0].passwordSecrets: not a documented field',
      'c.resources.limit: unknown field of V1ResourceRequirements',
      'c.storage.sizee: not a documented field',
    ]);
  });
});
