// From rendered Kubernetes objects to `docker run` invocations: one container per workload (a
// Deployment's or StatefulSet's pod template), with the pod's image, command/args, workingDir,
// environment, user and groups, read-only root, capabilities, emptyDirs, Secret and ConfigMap
// files, memory/CPU limits and its Services' names as network aliases.
//
// Strict on purpose: every field of a workload, pod, container, volume, mount, probe and env entry
// is either translated, listed as having no effect on one Docker host (scheduling, rollout and
// pull settings, preStop hooks: `notTranslated`, printed by the runner), or refused with an
// Untranslatable error naming it. Nothing is dropped silently, so a chart change that this file
// does not understand fails the runtime test instead of passing untested.
//
// Pure: no Docker and no files here (unit-tested in runtime-translate.test.ts); run.ts writes the
// files and runs the containers.
import { createHash } from 'node:crypto';
import path from 'node:path';
import { labelsMatch, selects, type K8sObject } from '../lib.js';

export class Untranslatable extends Error {
  constructor(where: string, what: string) {
    super(`${where}: ${what} (no Docker equivalent in the runtime check; extend tests/k8s/runtime/translate.ts)`);
    this.name = 'Untranslatable';
  }
}

/** A file, directory or symlink to create under the run's files directory, owned and moded as the kubelet would. */
export interface HostEntry {
  /** Relative to PlanOptions.filesDir. */
  path: string;
  type: 'file' | 'dir' | 'symlink';
  content?: Buffer;
  target?: string;
  mode: number;
  uid: number;
  gid: number;
}

/** A tmpfs-backed Docker volume standing in for an emptyDir (mounted with nocopy: starts empty). */
export interface TmpfsVolume {
  name: string;
  options: string;
}

export interface ProbeTiming {
  initialDelaySeconds: number;
  periodSeconds: number;
  timeoutSeconds: number;
  failureThreshold: number;
  successThreshold: number;
}

export type Probe =
  | ({ kind: 'http'; port: number; path: string; scheme: 'HTTP' | 'HTTPS'; headers: Record<string, string> } & ProbeTiming)
  | ({ kind: 'tcp'; port: number } & ProbeTiming)
  | ({ kind: 'exec'; command: string[] } & ProbeTiming);

export interface ContainerPlan {
  /** Kind/name of the workload, e.g. Deployment/flotilla-users. */
  workload: string;
  kind: string;
  component: string | undefined;
  pod: string;
  container: string;
  dockerName: string;
  image: string;
  /** Everything after `docker run -d`: options, the image, then the container's arguments. */
  runArgs: string[];
  files: HostEntry[];
  volumes: TmpfsVolume[];
  probes: { startup?: Probe; readiness?: Probe; liveness?: Probe };
  aliases: string[];
  /** Container ports published on 127.0.0.1 (a random host port each). */
  publish: number[];
  /** Fields present in the objects that have no effect here, for the log. */
  notTranslated: string[];
  /** Secret values that went into the environment (so the runner can keep them out of its log). */
  env: [string, string][];
}

export interface PlanOptions {
  namespace: string;
  clusterDomain: string;
  network: string;
  /** Docker names: `<namePrefix>-<pod>`, volumes `<namePrefix>-<pod>-<volume>`. */
  namePrefix: string;
  /** Absolute host directory the runner writes `files` into. */
  filesDir: string;
  /** Docker labels put on every container and volume (the runner cleans up by them). */
  labels: Record<string, string>;
  /** Services whose ports are published on 127.0.0.1 (the way in, as the Ingress would be). */
  publishServices: string[];
  /** The image's configured user (`docker image inspect .Config.User`), for runAsNonRoot without runAsUser. */
  imageUser(image: string): string;
}

/** The timestamped directory of a Secret/ConfigMap volume (the kubelet's AtomicWriter). */
const STAMP = '..2026_01_01_00_00_00.000000000';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

/** Throws for keys outside `handled` and `ignored`; returns notes for the ignored ones present. */
function keys(where: string, obj: Obj | undefined, handled: string[], ignored: Record<string, string> = {}): string[] {
  const notes: string[] = [];
  for (const key of Object.keys(obj ?? {})) {
    if (handled.includes(key)) continue;
    if (key in ignored) notes.push(`${where}.${key} (${ignored[key]})`);
    else throw new Untranslatable(where, `field ${key}`);
  }
  return notes;
}

/** Kubernetes' $(VAR) expansion (k8s.io/kubernetes third_party/forked/golang/expansion): $$ escapes. */
export function expand(input: string, vars: Map<string, string>): string {
  let out = '';
  for (let i = 0; i < input.length; i++) {
    if (input[i] !== '$' || i + 1 >= input.length) {
      out += input[i];
      continue;
    }
    const next = input[i + 1];
    if (next === '$') {
      out += '$';
      i += 1;
    } else if (next === '(') {
      const close = input.indexOf(')', i + 2);
      if (close < 0) {
        out += '$(';
        i += 1;
        continue;
      }
      const name = input.slice(i + 2, close);
      out += vars.has(name) ? vars.get(name) : `$(${name})`;
      i = close;
    } else {
      out += `$${next}`;
      i += 1;
    }
  }
  return out;
}

/** CPU quantity ("500m", "1", "2.5") in CPUs. */
export function cpus(quantity: string | number): number {
  const m = /^([0-9.]+)(m?)$/.exec(String(quantity));
  if (!m) throw new Untranslatable('resources', `CPU quantity ${quantity}`);
  return Number(m[1]) / (m[2] ? 1000 : 1);
}

/** Memory quantity in bytes (Kubernetes units: Ki Mi Gi Ti binary, k M G T decimal). */
export function memoryBytes(quantity: string | number): number {
  const m = /^([0-9.]+)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(quantity));
  if (!m) throw new Untranslatable('resources', `memory quantity ${quantity}`);
  const unit = { '': 1, Ki: 1024, Mi: 1024 ** 2, Gi: 1024 ** 3, Ti: 1024 ** 4, k: 1e3, M: 1e6, G: 1e9, T: 1e12 }[m[2] ?? '']!;
  return Math.floor(Number(m[1]) * unit);
}

function find(objects: K8sObject[], kind: string, name: string): K8sObject | undefined {
  return objects.find((o) => o.kind === kind && o.metadata.name === name);
}

/** A Secret's or ConfigMap's entries as bytes (data base64 for Secrets, stringData/binaryData too). */
export function entriesOf(o: K8sObject): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  if (o.kind === 'Secret') {
    for (const [k, v] of Object.entries(o.data ?? {})) out.set(k, Buffer.from(String(v), 'base64'));
    for (const [k, v] of Object.entries(o.stringData ?? {})) out.set(k, Buffer.from(String(v), 'utf8'));
  } else {
    for (const [k, v] of Object.entries(o.data ?? {})) out.set(k, Buffer.from(String(v), 'utf8'));
    for (const [k, v] of Object.entries(o.binaryData ?? {})) out.set(k, Buffer.from(String(v), 'base64'));
  }
  return out;
}

function source(objects: K8sObject[], where: string, kind: 'Secret' | 'ConfigMap', name: string, optional: boolean) {
  const o = find(objects, kind, name);
  if (!o && !optional) throw new Untranslatable(where, `${kind} ${name} is not among the rendered objects (an existing one in the cluster cannot be read here)`);
  return o ? entriesOf(o) : undefined;
}

/** The pod name the workload's first pod gets (cosmetic but stable: metadata.name, $(POD_NAME)). */
function podName(w: K8sObject): string {
  if (w.kind === 'StatefulSet') return `${w.metadata.name}-0`;
  const hash = createHash('sha256').update(JSON.stringify(w.spec.template)).digest('hex').slice(0, 10);
  return `${w.metadata.name}-${hash}-rt000`;
}

function probeOf(where: string, probe: Obj | undefined, ports: Map<string, number>): Probe | undefined {
  if (!probe) return undefined;
  keys(where, probe, ['httpGet', 'tcpSocket', 'exec', 'initialDelaySeconds', 'periodSeconds', 'timeoutSeconds', 'failureThreshold', 'successThreshold']);
  const timing: ProbeTiming = {
    initialDelaySeconds: probe.initialDelaySeconds ?? 0,
    periodSeconds: probe.periodSeconds ?? 10,
    timeoutSeconds: probe.timeoutSeconds ?? 1,
    failureThreshold: probe.failureThreshold ?? 3,
    successThreshold: probe.successThreshold ?? 1,
  };
  const port = (p: string | number, at: string): number => {
    if (typeof p === 'number') return p;
    if (/^[0-9]+$/.test(p)) return Number(p);
    const n = ports.get(p);
    if (n === undefined) throw new Untranslatable(at, `port ${p} names no containerPort`);
    return n;
  };
  const kinds = ['httpGet', 'tcpSocket', 'exec'].filter((k) => k in probe);
  if (kinds.length !== 1) throw new Untranslatable(where, `exactly one handler expected, found ${kinds.join(', ') || 'none'}`);
  if (probe.httpGet) {
    const h = probe.httpGet;
    keys(`${where}.httpGet`, h, ['path', 'port', 'scheme', 'httpHeaders']);
    const headers: Record<string, string> = {};
    for (const { name, value } of h.httpHeaders ?? []) headers[name] = value;
    return { kind: 'http', port: port(h.port, `${where}.httpGet`), path: h.path ?? '/', scheme: h.scheme ?? 'HTTP', headers, ...timing };
  }
  if (probe.tcpSocket) {
    keys(`${where}.tcpSocket`, probe.tcpSocket, ['port']);
    return { kind: 'tcp', port: port(probe.tcpSocket.port, `${where}.tcpSocket`), ...timing };
  }
  keys(`${where}.exec`, probe.exec, ['command']);
  if (!Array.isArray(probe.exec.command) || probe.exec.command.length === 0) throw new Untranslatable(`${where}.exec`, 'empty command');
  return { kind: 'exec', command: probe.exec.command.map(String), ...timing };
}

/** Plans every pod-making object of a rendered release. */
export function planRelease(objects: K8sObject[], options: PlanOptions): ContainerPlan[] {
  for (const o of objects) {
    if (['Pod', 'ReplicaSet', 'DaemonSet', 'Job', 'CronJob', 'ReplicationController'].includes(o.kind)) {
      throw new Untranslatable(`${o.kind}/${o.metadata.name}`, `kind ${o.kind}`);
    }
  }
  return objects.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet').flatMap((w) => planWorkload(objects, w, options));
}

export function planWorkload(objects: K8sObject[], w: K8sObject, options: PlanOptions): ContainerPlan[] {
  const wName = `${w.kind}/${w.metadata.name}`;
  const notes: string[] = [];
  const spec = w.spec ?? {};
  if (w.kind === 'Deployment') {
    notes.push(
      ...keys(`${wName}.spec`, spec, ['selector', 'template', 'replicas'], {
        strategy: 'rollouts are not exercised',
        revisionHistoryLimit: 'rollouts are not exercised',
        minReadySeconds: 'rollouts are not exercised',
        progressDeadlineSeconds: 'rollouts are not exercised',
      }),
    );
  } else {
    notes.push(
      ...keys(`${wName}.spec`, spec, ['selector', 'template', 'replicas', 'serviceName', 'volumeClaimTemplates'], {
        updateStrategy: 'rollouts are not exercised',
        revisionHistoryLimit: 'rollouts are not exercised',
        minReadySeconds: 'rollouts are not exercised',
        podManagementPolicy: 'one pod only',
        persistentVolumeClaimRetentionPolicy: 'no claims here',
      }),
    );
    if ((spec.volumeClaimTemplates ?? []).length > 0) {
      throw new Untranslatable(`${wName}.spec.volumeClaimTemplates`, 'persistent volume claims (render with persistence disabled)');
    }
  }
  if (spec.replicas !== undefined && spec.replicas !== 1) notes.push(`${wName}.spec.replicas=${spec.replicas} (one container here)`);
  const template = spec.template ?? {};
  keys(`${wName}.spec.template`, template, ['metadata', 'spec']);
  const meta = template.metadata ?? {};
  notes.push(...keys(`${wName}.spec.template.metadata`, meta, ['labels'], { annotations: 'no effect on the containers' }));
  const labels: Record<string, string> = meta.labels ?? {};
  if (!selects(spec.selector ?? {}, labels)) throw new Untranslatable(`${wName}.spec.selector`, 'does not select the pod template labels');

  const pod = podName(w);
  const ps: Obj = template.spec ?? {};
  const where = `${wName} pod`;
  notes.push(
    ...keys(
      where,
      ps,
      ['containers', 'volumes', 'securityContext', 'shareProcessNamespace', 'terminationGracePeriodSeconds', 'automountServiceAccountToken', 'enableServiceLinks', 'restartPolicy', 'dnsPolicy', 'hostname', 'subdomain'],
      {
        serviceAccountName: 'no API server here (its token is not mounted either)',
        nodeSelector: 'scheduling',
        tolerations: 'scheduling',
        affinity: 'scheduling',
        topologySpreadConstraints: 'scheduling',
        priorityClassName: 'scheduling',
        imagePullSecrets: 'images are local',
      },
    ),
  );
  if (ps.automountServiceAccountToken !== false) throw new Untranslatable(where, 'a service-account token would be mounted (automountServiceAccountToken is not false)');
  if (ps.enableServiceLinks !== false) throw new Untranslatable(where, 'service links (enableServiceLinks is not false): the *_SERVICE_HOST variables are not emulated');
  if (ps.restartPolicy !== undefined && ps.restartPolicy !== 'Always') throw new Untranslatable(where, `restartPolicy ${ps.restartPolicy}`);
  if (ps.dnsPolicy !== undefined && ps.dnsPolicy !== 'ClusterFirst') throw new Untranslatable(where, `dnsPolicy ${ps.dnsPolicy}`);
  const containers: Obj[] = ps.containers ?? [];
  if (containers.length !== 1) throw new Untranslatable(where, `${containers.length} containers (one per pod is translated: sidecars would share a network namespace)`);

  const psc: Obj = ps.securityContext ?? {};
  notes.push(
    ...keys(`${where}.securityContext`, psc, ['runAsUser', 'runAsGroup', 'runAsNonRoot', 'fsGroup', 'supplementalGroups', 'seccompProfile'], {
      fsGroupChangePolicy: 'volumes start empty here',
    }),
  );
  const fsGroup: number | undefined = psc.fsGroup;

  // Services selecting the pod: their names (and fully qualified names) become network aliases.
  const aliases: string[] = [];
  const publishPorts: { service: string; targetPort: string | number }[] = [];
  const serviceTargets: { service: string; port: number; targetPort: string | number }[] = [];
  const domain = `${options.namespace}.svc.${options.clusterDomain}`;
  for (const svc of objects.filter((o) => o.kind === 'Service')) {
    if (!svc.spec?.selector || !labelsMatch(svc.spec.selector, labels)) continue;
    const name = svc.metadata.name;
    const type = svc.spec.type ?? 'ClusterIP';
    if (type !== 'ClusterIP') throw new Untranslatable(`Service/${name}`, `type ${type}`);
    aliases.push(name, `${name}.${options.namespace}`, `${name}.${options.namespace}.svc`, `${name}.${domain}`);
    for (const p of svc.spec.ports ?? []) {
      if ((p.protocol ?? 'TCP') !== 'TCP') throw new Untranslatable(`Service/${name}`, `protocol ${p.protocol}`);
      serviceTargets.push({ service: name, port: p.port, targetPort: p.targetPort ?? p.port });
      if (options.publishServices.includes(name)) publishPorts.push({ service: name, targetPort: p.targetPort ?? p.port });
    }
    // A StatefulSet pod's own name under its governing Service.
    if (w.kind === 'StatefulSet' && spec.serviceName === name) {
      aliases.push(`${pod}.${name}`, `${pod}.${name}.${options.namespace}`, `${pod}.${name}.${domain}`);
    }
  }
  if (w.kind === 'StatefulSet' && !find(objects, 'Service', spec.serviceName)) {
    throw new Untranslatable(`${wName}.spec.serviceName`, `governing Service ${spec.serviceName} is not rendered`);
  }

  return containers.map((c) => {
    const cw = `${wName} container ${c.name}`;
    const cNotes = [...notes];
    cNotes.push(
      ...keys(
        cw,
        c,
        ['name', 'image', 'command', 'args', 'workingDir', 'env', 'ports', 'securityContext', 'resources', 'volumeMounts', 'startupProbe', 'readinessProbe', 'livenessProbe', 'lifecycle'],
        {
          imagePullPolicy: 'images are local',
          terminationMessagePath: 'no effect here',
          terminationMessagePolicy: 'no effect here',
        },
      ),
    );
    if (c.lifecycle) {
      keys(`${cw}.lifecycle`, c.lifecycle, ['preStop']);
      cNotes.push(`${cw}.lifecycle.preStop (containers are removed, not drained)`);
    }
    const image: string = c.image;
    if (!image) throw new Untranslatable(cw, 'no image');

    // Ports.
    const ports = new Map<string, number>();
    const containerPorts = new Set<number>();
    for (const p of c.ports ?? []) {
      keys(`${cw}.ports`, p, ['name', 'containerPort', 'protocol']);
      if ((p.protocol ?? 'TCP') !== 'TCP') throw new Untranslatable(`${cw}.ports`, `protocol ${p.protocol}`);
      containerPorts.add(p.containerPort);
      if (p.name) ports.set(p.name, p.containerPort);
    }
    const resolvePort = (p: string | number, at: string): number => {
      if (typeof p === 'number') return p;
      const n = ports.get(p);
      if (n === undefined) throw new Untranslatable(at, `targetPort ${p} names no containerPort of ${c.name}`);
      return n;
    };
    for (const t of serviceTargets) {
      const target = resolvePort(t.targetPort, `Service/${t.service}`);
      // A network alias reaches the container's own port: a Service that remaps cannot be emulated.
      if (target !== t.port) throw new Untranslatable(`Service/${t.service}`, `port ${t.port} → targetPort ${target} (a remapping Service)`);
      if (!containerPorts.has(target)) throw new Untranslatable(`Service/${t.service}`, `targetPort ${target} is not a containerPort of ${c.name}`);
    }
    const publish = [...new Set(publishPorts.map((p) => resolvePort(p.targetPort, `Service/${p.service}`)))];

    // Environment, in order, with $(VAR) expansion against the entries before it.
    const vars = new Map<string, string>();
    const env: [string, string][] = [];
    for (const e of c.env ?? []) {
      const at = `${cw}.env[${e.name}]`;
      keys(at, e, ['name', 'value', 'valueFrom']);
      let value: string | undefined;
      if (e.valueFrom) {
        if ('value' in e) throw new Untranslatable(at, 'both value and valueFrom');
        const vf = e.valueFrom;
        keys(`${at}.valueFrom`, vf, ['secretKeyRef', 'configMapKeyRef', 'fieldRef']);
        if (vf.secretKeyRef || vf.configMapKeyRef) {
          const ref = vf.secretKeyRef ?? vf.configMapKeyRef;
          keys(`${at}.valueFrom`, ref, ['name', 'key', 'optional']);
          const data = source(objects, at, vf.secretKeyRef ? 'Secret' : 'ConfigMap', ref.name, ref.optional === true);
          const bytes = data?.get(ref.key);
          if (bytes === undefined && ref.optional !== true) throw new Untranslatable(at, `key ${ref.key} not in ${ref.name}`);
          value = bytes?.toString('utf8');
        } else if (vf.fieldRef) {
          keys(`${at}.valueFrom.fieldRef`, vf.fieldRef, ['fieldPath', 'apiVersion']);
          const fp: string = vf.fieldRef.fieldPath;
          const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fp);
          if (fp === 'metadata.name') value = pod;
          else if (fp === 'metadata.namespace') value = options.namespace;
          else if (fp === 'spec.serviceAccountName') value = ps.serviceAccountName ?? 'default';
          else if (label) value = (label[1] === 'labels' ? labels : (meta.annotations ?? {}))[label[2]!] ?? '';
          else throw new Untranslatable(at, `fieldRef ${fp} (known only to a running cluster)`);
        } else throw new Untranslatable(`${at}.valueFrom`, 'no source');
      } else value = expand(String(e.value ?? ''), vars);
      if (value === undefined) continue; // an optional reference that is absent: Kubernetes leaves it unset too
      vars.set(e.name, value);
      const existing = env.findIndex(([n]) => n === e.name);
      if (existing >= 0) env.splice(existing, 1); // a later entry wins, as in Kubernetes
      env.push([e.name, value]);
    }

    // Command and args (expanded with the container's environment).
    const command: string[] = (c.command ?? []).map((s: unknown) => expand(String(s), vars));
    const args: string[] = (c.args ?? []).map((s: unknown) => expand(String(s), vars));

    // Security context: the container's over the pod's.
    const csc: Obj = c.securityContext ?? {};
    keys(`${cw}.securityContext`, csc, ['allowPrivilegeEscalation', 'readOnlyRootFilesystem', 'runAsNonRoot', 'runAsUser', 'runAsGroup', 'capabilities', 'seccompProfile', 'privileged']);
    if (csc.privileged === true) throw new Untranslatable(`${cw}.securityContext`, 'privileged');
    const uid: number | undefined = csc.runAsUser ?? psc.runAsUser;
    const gid: number | undefined = csc.runAsGroup ?? psc.runAsGroup;
    const nonRoot: boolean = csc.runAsNonRoot ?? psc.runAsNonRoot ?? false;
    if (nonRoot) {
      // The kubelet's check: the uid it will run as must be known and not 0.
      const effective = uid ?? options.imageUser(image).split(':')[0];
      if (effective === undefined || effective === '' || !/^[0-9]+$/.test(String(effective))) {
        throw new Untranslatable(`${cw}.securityContext`, `runAsNonRoot with the image's non-numeric user "${effective ?? ''}" (the kubelet refuses to start it)`);
      }
      if (Number(effective) === 0) throw new Untranslatable(`${cw}.securityContext`, 'runAsNonRoot but the container would run as uid 0 (the kubelet refuses to start it)');
    }
    const seccomp = csc.seccompProfile ?? psc.seccompProfile;
    if (seccomp) {
      keys(`${cw}.securityContext.seccompProfile`, seccomp, ['type']);
      if (!['RuntimeDefault', 'Unconfined'].includes(seccomp.type)) throw new Untranslatable(`${cw}.securityContext.seccompProfile`, `type ${seccomp.type}`);
    }
    const caps: Obj = csc.capabilities ?? {};
    keys(`${cw}.securityContext.capabilities`, caps, ['drop', 'add']);

    const dockerName = `${options.namePrefix}-${pod}`;
    const run: string[] = ['--name', dockerName, '--hostname', pod.slice(0, 63), '--network', options.network];
    for (const a of aliases) run.push('--network-alias', a);
    for (const [k, v] of Object.entries(options.labels)) run.push('--label', `${k}=${v}`);
    run.push('--label', `io.kubernetes.pod.name=${pod}`, '--label', `io.kubernetes.container.name=${c.name}`);
    if (uid !== undefined) run.push('--user', gid !== undefined ? `${uid}:${gid}` : String(uid));
    else if (gid !== undefined) throw new Untranslatable(`${cw}.securityContext`, 'runAsGroup without runAsUser');
    // The kubelet adds fsGroup and supplementalGroups to the process's groups.
    for (const g of new Set([fsGroup, ...(psc.supplementalGroups ?? [])].filter((g) => g !== undefined))) run.push('--group-add', String(g));
    if (csc.readOnlyRootFilesystem === true) run.push('--read-only');
    for (const cap of caps.drop ?? []) run.push('--cap-drop', String(cap));
    for (const cap of caps.add ?? []) run.push('--cap-add', String(cap));
    if (csc.allowPrivilegeEscalation === false) run.push('--security-opt', 'no-new-privileges');
    if (seccomp?.type === 'Unconfined') run.push('--security-opt', 'seccomp=unconfined');
    // A shared process namespace makes the pause container PID 1, reaping zombies: Docker's init.
    if (ps.shareProcessNamespace === true) run.push('--init');
    run.push('--stop-timeout', String(ps.terminationGracePeriodSeconds ?? 30));

    // Resources: limits are enforced by the kernel in both; requests only schedule.
    const res: Obj = c.resources ?? {};
    keys(`${cw}.resources`, res, ['limits', 'requests']);
    keys(`${cw}.resources.requests`, res.requests, ['cpu', 'memory', 'ephemeral-storage']);
    keys(`${cw}.resources.limits`, res.limits, ['cpu', 'memory'], { 'ephemeral-storage': 'not enforced here' });
    if (res.limits?.['ephemeral-storage'] !== undefined) cNotes.push(`${cw}.resources.limits.ephemeral-storage (not enforced here)`);
    if (res.limits?.memory !== undefined) {
      const b = String(memoryBytes(res.limits.memory));
      run.push('--memory', b, '--memory-swap', b);
    }
    if (res.limits?.cpu !== undefined) run.push('--cpus', String(cpus(res.limits.cpu)));

    // Volumes.
    const volumes = new Map<string, Obj>();
    for (const v of ps.volumes ?? []) volumes.set(v.name, v);
    const files: HostEntry[] = [];
    const tmpfsVolumes: TmpfsVolume[] = [];
    const written = new Set<string>();
    const group = fsGroup ?? 0;
    // The kubelet's SetVolumeOwnership for read-only (Secret, ConfigMap, projected) volumes with
    // fsGroup: group fsGroup, group-readable, setgid directories.
    const fileMode = (mode: number) => (fsGroup !== undefined ? mode | 0o440 : mode);
    const dirMode = fsGroup !== undefined ? 0o2755 : 0o755;
    const writeVolume = (vol: Obj): string => {
      const dir = path.join(pod, vol.name);
      if (written.has(dir)) return dir;
      written.add(dir);
      const at = `${wName} volume ${vol.name}`;
      type Item = { path: string; content: Buffer; mode: number };
      const items: Item[] = [];
      const project = (kind: 'Secret' | 'ConfigMap', ref: Obj, name: string, defaultMode: number, where: string) => {
        const data = source(objects, where, kind, name, ref.optional === true);
        if (!data) return;
        if (ref.items) {
          for (const item of ref.items) {
            keys(`${where}.items`, item, ['key', 'path', 'mode']);
            const content = data.get(item.key);
            if (content === undefined) {
              if (ref.optional === true) continue;
              throw new Untranslatable(where, `key ${item.key} not in ${kind} ${name}`);
            }
            items.push({ path: item.path, content, mode: item.mode ?? defaultMode });
          }
        } else for (const [k, content] of data) items.push({ path: k, content, mode: defaultMode });
      };
      if (vol.secret) {
        keys(`${at}.secret`, vol.secret, ['secretName', 'items', 'defaultMode', 'optional']);
        project('Secret', vol.secret, vol.secret.secretName, vol.secret.defaultMode ?? 0o644, `${at}.secret`);
      } else if (vol.configMap) {
        keys(`${at}.configMap`, vol.configMap, ['name', 'items', 'defaultMode', 'optional']);
        project('ConfigMap', vol.configMap, vol.configMap.name, vol.configMap.defaultMode ?? 0o644, `${at}.configMap`);
      } else if (vol.projected) {
        keys(`${at}.projected`, vol.projected, ['sources', 'defaultMode']);
        const defaultMode = vol.projected.defaultMode ?? 0o644;
        for (const s of vol.projected.sources ?? []) {
          keys(`${at}.projected.sources`, s, ['secret', 'configMap']);
          const [kind, ref] = s.secret ? (['Secret', s.secret] as const) : (['ConfigMap', s.configMap] as const);
          keys(`${at}.projected.sources.${kind}`, ref, ['name', 'items', 'optional']);
          project(kind, ref, ref.name, defaultMode, `${at}.projected ${kind} ${ref.name}`);
        }
      }
      // The kubelet's AtomicWriter layout: files in a timestamped directory, `..data` pointing at
      // it, and each top-level name a symlink through `..data`.
      const stamp = STAMP;
      files.push({ path: dir, type: 'dir', mode: dirMode, uid: 0, gid: group });
      files.push({ path: path.join(dir, stamp), type: 'dir', mode: dirMode, uid: 0, gid: group });
      const tops = new Set<string>();
      for (const item of items) {
        const rel = path.normalize(item.path);
        if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Untranslatable(at, `item path ${item.path}`);
        const parts = rel.split(path.sep);
        for (let i = 1; i < parts.length; i++) {
          const sub = path.join(dir, stamp, ...parts.slice(0, i));
          if (!files.some((f) => f.path === sub)) files.push({ path: sub, type: 'dir', mode: dirMode, uid: 0, gid: group });
        }
        files.push({ path: path.join(dir, stamp, rel), type: 'file', content: item.content, mode: fileMode(item.mode), uid: 0, gid: group });
        tops.add(parts[0]!);
      }
      files.push({ path: path.join(dir, '..data'), type: 'symlink', target: stamp, mode: 0o777, uid: 0, gid: group });
      for (const top of tops) files.push({ path: path.join(dir, top), type: 'symlink', target: path.join('..data', top), mode: 0o777, uid: 0, gid: group });
      return dir;
    };
    for (const m of c.volumeMounts ?? []) {
      const at = `${cw}.volumeMounts[${m.name}]`;
      keys(at, m, ['name', 'mountPath', 'readOnly', 'subPath']);
      const vol = volumes.get(m.name);
      if (!vol) throw new Untranslatable(at, 'no such volume');
      const kinds = Object.keys(vol).filter((k) => k !== 'name');
      if (kinds.length !== 1) throw new Untranslatable(`${wName} volume ${m.name}`, `sources ${kinds.join(', ')}`);
      const kind = kinds[0]!;
      if (kind === 'emptyDir') {
        keys(`${wName} volume ${m.name}.emptyDir`, vol.emptyDir, ['sizeLimit', 'medium']);
        if (![undefined, '', 'Memory'].includes(vol.emptyDir.medium)) throw new Untranslatable(`${wName} volume ${m.name}`, `emptyDir medium ${vol.emptyDir.medium}`);
        if (m.subPath) throw new Untranslatable(at, 'subPath of an emptyDir');
        // A tmpfs volume mounted with nocopy: empty (the image's directory is hidden, as in
        // Kubernetes), root:fsGroup 2777 as the kubelet leaves an emptyDir, sized at sizeLimit.
        const name = `${options.namePrefix}-${pod}-${m.name}`;
        if (!tmpfsVolumes.some((v) => v.name === name)) {
          const opts = [`mode=${fsGroup !== undefined ? '2777' : '0777'}`, 'uid=0', `gid=${group}`];
          if (vol.emptyDir.sizeLimit !== undefined) opts.unshift(`size=${memoryBytes(vol.emptyDir.sizeLimit)}`);
          tmpfsVolumes.push({ name, options: opts.join(',') });
        }
        run.push('-v', `${name}:${m.mountPath}:${m.readOnly ? 'ro,' : ''}nocopy`);
      } else if (kind === 'secret' || kind === 'configMap' || kind === 'projected') {
        const dir = writeVolume(vol);
        // Secret, ConfigMap and projected volumes are always mounted read-only.
        if (m.subPath) {
          const rel = path.normalize(m.subPath);
          if (rel.startsWith('..') || path.isAbsolute(rel)) throw new Untranslatable(at, `subPath ${m.subPath}`);
          // A subPath mount binds what the path resolves to: the file in the timestamped directory.
          const target = files.find((f) => f.path === path.join(dir, STAMP, rel));
          if (!target) throw new Untranslatable(at, `subPath ${m.subPath} is not in the volume`);
          run.push('-v', `${path.join(options.filesDir, target.path)}:${m.mountPath}:ro`);
        } else run.push('-v', `${path.join(options.filesDir, dir)}:${m.mountPath}:ro`);
      } else throw new Untranslatable(`${wName} volume ${m.name}`, `volume type ${kind}`);
    }
    for (const port of publish) run.push('-p', `127.0.0.1::${port}`);
    for (const [k, v] of env) run.push('-e', `${k}=${v}`);
    if (c.workingDir) run.push('-w', c.workingDir);
    if (command.length > 0) run.push('--entrypoint', command[0]!);
    run.push(image, ...command.slice(1), ...args);

    return {
      workload: wName,
      kind: w.kind,
      component: labels['app.kubernetes.io/component'],
      pod,
      container: c.name,
      dockerName,
      image,
      runArgs: run,
      files,
      volumes: tmpfsVolumes,
      probes: {
        startup: probeOf(`${cw}.startupProbe`, c.startupProbe, ports),
        readiness: probeOf(`${cw}.readinessProbe`, c.readinessProbe, ports),
        liveness: probeOf(`${cw}.livenessProbe`, c.livenessProbe, ports),
      },
      aliases,
      publish,
      notTranslated: cNotes,
      env,
    };
  });
}
