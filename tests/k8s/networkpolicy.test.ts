// NetworkPolicies allow exactly the intended paths. Reachability is computed from the rendered
// policies with Kubernetes' semantics (a pod selected by a policy of a type is isolated for that
// direction; a connection needs the source's egress and the destination's ingress), over the
// chart's pods and stand-ins for everything around them, and compared with the graph derived
// from deploy/compose.yaml: who talks to whom (service URLs, depends_on, Prometheus targets),
// each pair checked to share a Compose network; internet egress for services on `egress`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  COMPONENTS,
  DOMAIN_SERVICES,
  NAMESPACE,
  NODE_SERVICES,
  ROOT,
  byKind,
  compose,
  componentOf,
  effectiveValues,
  loadYaml,
  nameOf,
  render,
  selects,
  workloads,
  type Case,
  type K8sObject,
  type LabelSelector,
} from './lib.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;

interface Endpoint {
  name: string;
  /** In-cluster pods have a namespace and labels; outside addresses only an IP. */
  namespace?: string;
  labels?: Record<string, string>;
  ip: string;
  chart?: boolean;
}

interface Probe {
  port: number;
  protocol: 'TCP' | 'UDP';
}

const PROBES: Probe[] = [
  { port: 8080, protocol: 'TCP' },
  { port: 5432, protocol: 'TCP' },
  { port: 6432, protocol: 'TCP' },
  { port: 443, protocol: 'TCP' },
  { port: 53, protocol: 'UDP' },
  { port: 53, protocol: 'TCP' },
  { port: 8000, protocol: 'TCP' },
  { port: 22, protocol: 'TCP' },
  // The Node services' metrics port, and OTLP/HTTP (traces).
  { port: 9464, protocol: 'TCP' },
  { port: 4318, protocol: 'TCP' },
];

function ipToInt(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}
function inCidr(ip: string, cidr: string): boolean {
  const [base, bits] = cidr.split('/');
  const mask = Number(bits) === 0 ? 0 : (0xffffffff << (32 - Number(bits))) >>> 0;
  return ((ipToInt(ip) & mask) >>> 0) === ((ipToInt(base!) & mask) >>> 0);
}

function peerMatches(peer: Any, policyNamespace: string, e: Endpoint): boolean {
  if (peer.ipBlock) {
    return inCidr(e.ip, peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).some((c: string) => inCidr(e.ip, c));
  }
  if (!e.namespace) return false; // selectors never match addresses outside the cluster
  const nsLabels = { 'kubernetes.io/metadata.name': e.namespace };
  if (peer.namespaceSelector) {
    if (!selects(peer.namespaceSelector as LabelSelector, nsLabels)) return false;
  } else if (e.namespace !== policyNamespace) return false;
  return selects((peer.podSelector ?? {}) as LabelSelector, e.labels ?? {});
}

function portMatches(ports: Any[] | undefined, probe: Probe): boolean {
  if (!ports || ports.length === 0) return true;
  return ports.some((p) => {
    if (typeof p.port === 'string') throw new Error('named ports are not modelled here: use numbers');
    const protocol = p.protocol ?? 'TCP';
    if (protocol !== probe.protocol) return false;
    if (p.port === undefined) return true;
    return p.endPort ? probe.port >= p.port && probe.port <= p.endPort : probe.port === p.port;
  });
}

function direction(policies: K8sObject[], subject: Endpoint, type: 'Ingress' | 'Egress', other: Endpoint, probe: Probe): boolean {
  if (!subject.namespace) return true; // outside the cluster: no policy applies
  const applying = policies.filter(
    (p) =>
      NAMESPACE === subject.namespace &&
      selects(p.spec.podSelector, subject.labels ?? {}) &&
      (p.spec.policyTypes ?? (p.spec.egress ? ['Ingress', 'Egress'] : ['Ingress'])).includes(type),
  );
  if (applying.length === 0) return true;
  const rulesKey = type === 'Ingress' ? 'ingress' : 'egress';
  const peersKey = type === 'Ingress' ? 'from' : 'to';
  return applying.some((p) =>
    (p.spec[rulesKey] ?? []).some(
      (rule: Any) =>
        portMatches(rule.ports, probe) &&
        (!rule[peersKey] || rule[peersKey].length === 0 || rule[peersKey].some((peer: Any) => peerMatches(peer, NAMESPACE, other))),
    ),
  );
}

function allowed(policies: K8sObject[], from: Endpoint, to: Endpoint, probe: Probe): boolean {
  return direction(policies, from, 'Egress', to, probe) && direction(policies, to, 'Ingress', from, probe);
}

/** The chart's pods, and stand-ins for what a cluster has around them. */
function endpoints(objects: K8sObject[], values: Any): Endpoint[] {
  let n = 10;
  const pods: Endpoint[] = workloads(objects).map((w) => ({
    name: componentOf(w),
    namespace: NAMESPACE,
    labels: w.spec.template.metadata.labels,
    ip: `10.244.0.${n++}`,
    chart: true,
  }));
  const around: Endpoint[] = [
    { name: 'neighbour', namespace: NAMESPACE, labels: { app: 'something-else' }, ip: '10.244.1.2' },
    { name: 'stranger', namespace: 'elsewhere', labels: { app: 'x' }, ip: '10.244.2.2' },
    { name: 'ingress-controller', namespace: 'ingress-nginx', labels: { 'app.kubernetes.io/name': 'ingress-nginx' }, ip: '10.244.3.2' },
    { name: 'prometheus', namespace: 'monitoring', labels: { 'app.kubernetes.io/name': 'prometheus' }, ip: '10.244.4.2' },
    { name: 'otel-collector', namespace: 'tracing', labels: { 'app.kubernetes.io/name': 'opentelemetry-collector' }, ip: '10.244.7.2' },
    { name: 'dns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' }, ip: '10.96.0.10' },
    { name: 'cnpg-operator', namespace: values.postgresql.cloudnativepg.operatorNamespace, labels: { 'app.kubernetes.io/name': 'cloudnative-pg' }, ip: '10.244.5.2' },
    { name: 'internet', ip: '93.184.216.34' },
    { name: 'external-db', ip: '10.20.30.40' },
    { name: 'private-host', ip: '192.168.7.7' },
  ];
  if (values.postgresql.mode === 'cloudnativepg') {
    const cluster = nameOf('db');
    around.push(
      { name: 'cnpg-1', namespace: NAMESPACE, labels: { 'cnpg.io/cluster': cluster, 'cnpg.io/instanceRole': 'primary' }, ip: '10.244.6.2' },
      { name: 'cnpg-2', namespace: NAMESPACE, labels: { 'cnpg.io/cluster': cluster, 'cnpg.io/instanceRole': 'replica' }, ip: '10.244.6.3' },
    );
  }
  return [...pods, ...around];
}

/** Compose's graph: service -> the services it calls, from its configuration; the port Prometheus scrapes. */
function composeGraph(): {
  calls: Map<string, Set<string>>;
  egress: Set<string>;
  published: Set<string>;
  metricsPort: number;
} {
  const stack = compose();
  const prometheus = loadYaml(readFileSync(path.join(ROOT, 'deploy/prometheus/prometheus.yml'), 'utf8'));
  const calls = new Map<string, Set<string>>();
  const scraped = new Set<number>();
  for (const job of prometheus.scrape_configs) {
    for (const sc of job.static_configs) for (const t of sc.targets) if (!t.startsWith('127.')) scraped.add(Number(t.split(':')[1]));
  }
  if (scraped.size !== 1) throw new Error(`prometheus.yml scrapes the services on ${scraped.size} ports, not one`);
  for (const [name, service] of Object.entries(stack.services as Record<string, Any>)) {
    const targets = new Set<string>();
    for (const value of Object.values(service.environment ?? {})) {
      const m = /^https?:\/\/([a-z0-9-]+):\d+/.exec(String(value));
      if (m) targets.add(m[1]!);
    }
    for (const dep of Object.keys(service.depends_on ?? {})) targets.add(dep);
    if (name === 'prometheus') {
      for (const job of prometheus.scrape_configs) {
        for (const sc of job.static_configs) for (const t of sc.targets) if (!t.startsWith('127.')) targets.add(t.split(':')[0]);
      }
    }
    // Every call must be on a network the two share; Compose would not allow it otherwise.
    for (const t of targets) {
      const shared = (service.networks as string[]).filter((net) => (stack.services[t].networks as string[]).includes(net));
      if (shared.length === 0) throw new Error(`compose: ${name} calls ${t} without a shared network`);
    }
    calls.set(name, targets);
  }
  const egress = new Set(Object.entries(stack.services as Record<string, Any>).filter(([, s]) => s.networks.includes('egress')).map(([n]) => n));
  const published = new Set(Object.entries(stack.services as Record<string, Any>).filter(([, s]) => s.ports).map(([n]) => n));
  return { calls, egress, published, metricsPort: [...scraped][0]! };
}

interface Edge {
  from: string; // endpoint name, or '*'
  to: string;
  port: number | '*';
  protocol: 'TCP' | 'UDP';
}

/** The intended graph for a case: Compose's, mapped onto the cluster. */
function intended(values: Any): Edge[] {
  const { calls, egress, published, metricsPort } = composeGraph();
  const mode = values.postgresql.mode;
  const np = values.networkPolicy;
  const dbPort = mode === 'external' ? values.postgresql.external.port : 5432;
  const db = mode === 'statefulset' ? ['postgresql'] : mode === 'cloudnativepg' ? ['cnpg-1', 'cnpg-2'] : np.databaseTo.length ? ['external-db'] : ['*'];
  const chartNames = new Set<string>([...COMPONENTS]);
  const edges: Edge[] = [];
  for (const [from, targets] of calls) {
    for (const to of targets) {
      const sources = from === 'prometheus' ? (np.metricsFrom.length ? ['prometheus'] : []) : chartNames.has(from) ? [from] : [];
      const dests = to === 'db' ? db : chartNames.has(to) ? [to] : [];
      const port = to === 'db' ? dbPort : from === 'prometheus' ? metricsPort : 8080;
      for (const s of sources) for (const d of dests) edges.push({ from: s, to: d, port, protocol: 'TCP' });
    }
  }
  for (const p of published) if (chartNames.has(p)) edges.push({ from: np.edgeFrom.length ? 'ingress-controller' : '*', to: p, port: 8080, protocol: 'TCP' });
  for (const s of egress) if (np.egress[s]?.enabled) for (const port of np.egress[s].ports) edges.push({ from: s, to: 'internet', port, protocol: 'TCP' });
  // Traces: Compose sends them to its trace backend on the back network when an endpoint is set;
  // in the cluster, to networkPolicy.tracingTo (anywhere when empty) on the endpoint's port.
  if (values.tracing.enabled) {
    const port = Number(new URL(values.tracing.endpoint).port || 80);
    for (const s of NODE_SERVICES) edges.push({ from: s, to: np.tracingTo.length ? 'otel-collector' : '*', port, protocol: 'TCP' });
  }
  for (const c of [...COMPONENTS, ...(mode === 'statefulset' ? ['postgresql'] : [])]) {
    for (const protocol of ['UDP', 'TCP'] as const) edges.push({ from: c, to: 'dns', port: 53, protocol });
  }
  if (mode === 'cloudnativepg') {
    for (const a of ['cnpg-1', 'cnpg-2']) {
      for (const b of ['cnpg-1', 'cnpg-2']) for (const protocol of ['TCP', 'UDP'] as const) edges.push({ from: a, to: b, port: '*', protocol });
      for (const port of [8000, 5432]) edges.push({ from: 'cnpg-operator', to: a, port, protocol: 'TCP' });
    }
  }
  return edges;
}

/** Isolation the design asks for: every chart pod both ways; CloudNativePG's pods for ingress. */
function isolated(e: Endpoint, type: 'Ingress' | 'Egress'): boolean {
  return Boolean(e.chart) || (type === 'Ingress' && e.name.startsWith('cnpg-') && e.name !== 'cnpg-operator');
}

function intendedAllowed(edges: Edge[], from: Endpoint, to: Endpoint, probe: Probe): boolean {
  const match = (e: Edge) =>
    (e.port === '*' || e.port === probe.port) && e.protocol === probe.protocol && (e.from === '*' || e.from === from.name) && (e.to === '*' || e.to === to.name);
  const egressOk = !isolated(from, 'Egress') || edges.some((e) => match(e) && e.from !== '*');
  const ingressOk = !isolated(to, 'Ingress') || edges.some((e) => match(e) && e.to !== '*');
  return egressOk && ingressOk;
}

const POLICY_CASES: Case[] = ['all-on', 'external', 'cloudnativepg', 'statefulset'];

describe('Compose\'s graph, as the tests read it', () => {
  it('is the one the chart was designed from', () => {
    const { calls, egress, published, metricsPort } = composeGraph();
    expect(metricsPort).toBe(9464);
    expect([...calls.get('edge')!]).toEqual(['gateway']);
    expect([...calls.get('gateway')!].sort()).toEqual(['fleet', 'stats', 'translation', 'users']);
    for (const s of DOMAIN_SERVICES) expect([...calls.get(s)!].sort()).toEqual(s === 'users' ? ['db'] : ['db', 'users']);
    expect([...calls.get('prometheus')!].sort()).toEqual([...NODE_SERVICES].sort());
    expect([...egress].sort()).toEqual(['stats', 'translation']);
    expect([...published].sort()).toEqual(['edge', 'grafana']);
  });
});

describe.each(POLICY_CASES)('%s: NetworkPolicy reachability', (name) => {
  const objects = render(name);
  const values = effectiveValues(name);
  const policies = byKind(objects, 'NetworkPolicy');
  const all = endpoints(objects, values);
  const edges = intended(values);

  it('equals the intended graph, for every pair of endpoints and port', () => {
    const computed: string[] = [];
    const wanted: string[] = [];
    for (const from of all) {
      for (const to of all) {
        if (from === to) continue;
        for (const probe of PROBES) {
          const key = `${from.name} -> ${to.name}:${probe.port}/${probe.protocol}`;
          if (allowed(policies, from, to, probe)) computed.push(key);
          if (intendedAllowed(edges, from, to, probe)) wanted.push(key);
        }
      }
    }
    const missing = wanted.filter((k) => !computed.includes(k));
    const extra = computed.filter((k) => !wanted.includes(k));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
  });

  it('every chart pod is isolated both ways, and every policy selects a pod', () => {
    for (const e of all.filter((x) => x.chart)) {
      for (const type of ['Ingress', 'Egress'] as const) {
        expect(
          policies.some((p) => selects(p.spec.podSelector, e.labels!) && p.spec.policyTypes.includes(type) && !p.spec[type.toLowerCase()]),
          `${e.name}: default-deny ${type}`,
        ).toBe(true);
      }
    }
    for (const p of policies) expect(all.some((e) => e.namespace === NAMESPACE && selects(p.spec.podSelector, e.labels!)), p.metadata.name).toBe(true);
  });

  it('spot checks: what must never be open', () => {
    const e = (n: string) => all.find((x) => x.name === n)!;
    const tcp = (port: number): Probe => ({ port, protocol: 'TCP' });
    expect(allowed(policies, e('stranger'), e('gateway'), tcp(8080))).toBe(false);
    expect(allowed(policies, e('edge'), e('users'), tcp(8080))).toBe(false);
    expect(allowed(policies, e('gateway'), e('users'), tcp(8080))).toBe(true);
    expect(allowed(policies, e('fleet'), e('translation'), tcp(8080))).toBe(false);
    expect(allowed(policies, e('users'), e('internet'), tcp(443))).toBe(false);
    expect(allowed(policies, e('gateway'), e('internet'), tcp(443))).toBe(false);
    // Metrics: the metrics port from Prometheus only (when allowed at all), never the http port.
    expect(allowed(policies, e('prometheus'), e('gateway'), tcp(8080))).toBe(false);
    expect(allowed(policies, e('edge'), e('gateway'), tcp(values.metrics.port))).toBe(false);
    expect(allowed(policies, e('prometheus'), e('fleet'), tcp(values.metrics.port))).toBe(values.networkPolicy.metricsFrom.length > 0);
    if (values.postgresql.mode === 'statefulset') {
      expect(allowed(policies, e('gateway'), e('postgresql'), tcp(5432))).toBe(false);
      expect(allowed(policies, e('users'), e('postgresql'), tcp(5432))).toBe(true);
    }
  });
});

describe('the reachability model itself', () => {
  it('sees a deleted rule: without the users policy\'s ingress, the gateway cannot reach users', () => {
    const objects = render('statefulset');
    const policies = structuredClone(byKind(objects, 'NetworkPolicy'));
    policies.find((p) => p.metadata.name === nameOf('users'))!.spec.ingress = [];
    const all = endpoints(objects, effectiveValues('statefulset'));
    const e = (n: string) => all.find((x) => x.name === n)!;
    expect(allowed(policies, e('gateway'), e('users'), { port: 8080, protocol: 'TCP' })).toBe(false);
  });
  it('applies ipBlock except lists', () => {
    expect(inCidr('10.1.2.3', '10.0.0.0/8')).toBe(true);
    expect(inCidr('11.1.2.3', '10.0.0.0/8')).toBe(false);
    expect(inCidr('1.2.3.4', '0.0.0.0/0')).toBe(true);
  });
});
