// The CloudNativePG fields the chart may use, written from the operator's documentation (API
// reference, postgresql.cnpg.io/v1, release 1.26: "Cluster", "Database", "RoleConfiguration"),
// since no npm package ships its schemas. A small allow-list, not the whole API: every field of
// the specs the chart fills is listed, with its type; nested structs the chart does not fill are
// listed by name and not descended into ('any'). A field missing here is an error in the test,
// so a typo (or a field of a newer operator) cannot slip through.

export type Field =
  | 'string'
  | 'integer'
  | 'boolean'
  | 'any'
  | { enum: string[] }
  | { array: Field }
  | { map: Field }
  | { k8s: string } // a Kubernetes type, checked with @kubernetes/client-node's type map
  | Struct;

export interface Struct {
  fields: Record<string, Field>;
  required?: string[];
}

const ensure: Field = { enum: ['present', 'absent'] };

const roleConfiguration: Struct = {
  fields: {
    name: 'string',
    comment: 'string',
    ensure,
    passwordSecret: { fields: { name: 'string' }, required: ['name'] },
    connectionLimit: 'integer',
    validUntil: 'string',
    inRoles: { array: 'string' },
    inherit: 'boolean',
    disablePassword: 'boolean',
    superuser: 'boolean',
    createdb: 'boolean',
    createrole: 'boolean',
    login: 'boolean',
    replication: 'boolean',
    bypassrls: 'boolean',
  },
  required: ['name'],
};

const bootstrapInitDB: Struct = {
  fields: {
    database: 'string',
    owner: 'string',
    secret: { fields: { name: 'string' }, required: ['name'] },
    options: { array: 'string' },
    dataChecksums: 'boolean',
    encoding: 'string',
    localeCollate: 'string',
    localeCType: 'string',
    locale: 'string',
    localeProvider: 'string',
    icuLocale: 'string',
    icuRules: 'string',
    builtinLocale: 'string',
    walSegmentSize: 'integer',
    postInitSQL: { array: 'string' },
    postInitApplicationSQL: { array: 'string' },
    postInitTemplateSQL: { array: 'string' },
    import: 'any',
    postInitApplicationSQLRefs: 'any',
    postInitTemplateSQLRefs: 'any',
    postInitSQLRefs: 'any',
  },
};

export const CLUSTER_SPEC: Struct = {
  fields: {
    description: 'string',
    inheritedMetadata: { fields: { labels: { map: 'string' }, annotations: { map: 'string' } } },
    imageName: 'string',
    imageCatalogRef: 'any',
    imagePullPolicy: { enum: ['Always', 'IfNotPresent', 'Never'] },
    schedulerName: 'string',
    postgresUID: 'integer',
    postgresGID: 'integer',
    instances: 'integer',
    minSyncReplicas: 'integer',
    maxSyncReplicas: 'integer',
    postgresql: {
      fields: {
        parameters: { map: 'string' },
        synchronous: 'any',
        pg_hba: { array: 'string' },
        pg_ident: { array: 'string' },
        syncReplicaElectionConstraint: 'any',
        shared_preload_libraries: { array: 'string' },
        ldap: 'any',
        promotionTimeout: 'integer',
        enableAlterSystem: 'boolean',
      },
    },
    replicationSlots: 'any',
    bootstrap: { fields: { initdb: bootstrapInitDB, recovery: 'any', pg_basebackup: 'any' } },
    replica: 'any',
    superuserSecret: { fields: { name: 'string' }, required: ['name'] },
    enableSuperuserAccess: 'boolean',
    certificates: 'any',
    imagePullSecrets: { array: { fields: { name: 'string' }, required: ['name'] } },
    storage: {
      fields: {
        storageClass: 'string',
        size: 'string',
        resizeInUseVolumes: 'boolean',
        pvcTemplate: { k8s: 'V1PersistentVolumeClaimSpec' },
      },
    },
    serviceAccountTemplate: 'any',
    walStorage: 'any',
    ephemeralVolumeSource: 'any',
    startDelay: 'integer',
    stopDelay: 'integer',
    smartShutdownTimeout: 'integer',
    switchoverDelay: 'integer',
    failoverDelay: 'integer',
    livenessProbeTimeout: 'integer',
    affinity: 'any',
    topologySpreadConstraints: { array: { k8s: 'V1TopologySpreadConstraint' } },
    resources: { k8s: 'V1ResourceRequirements' },
    ephemeralVolumesSizeLimit: 'any',
    priorityClassName: 'string',
    primaryUpdateStrategy: { enum: ['unsupervised', 'supervised'] },
    primaryUpdateMethod: { enum: ['switchover', 'restart'] },
    backup: 'any',
    nodeMaintenanceWindow: 'any',
    monitoring: 'any',
    externalClusters: 'any',
    logLevel: { enum: ['error', 'warning', 'info', 'debug', 'trace'] },
    projectedVolumeTemplate: 'any',
    env: { array: { k8s: 'V1EnvVar' } },
    envFrom: { array: { k8s: 'V1EnvFromSource' } },
    managed: { fields: { roles: { array: roleConfiguration }, services: 'any' } },
    seccompProfile: { k8s: 'V1SeccompProfile' },
    tablespaces: 'any',
    enablePDB: 'boolean',
    plugins: 'any',
    probes: 'any',
  },
  required: ['instances'],
};

const extensionSpec: Struct = {
  fields: { name: 'string', ensure, version: 'string', schema: 'string' },
  required: ['name', 'ensure'],
};

export const DATABASE_SPEC: Struct = {
  fields: {
    cluster: { fields: { name: 'string' }, required: ['name'] },
    ensure,
    name: 'string',
    owner: 'string',
    template: 'string',
    encoding: 'string',
    locale: 'string',
    localeProvider: 'string',
    localeCollate: 'string',
    localeCType: 'string',
    icuLocale: 'string',
    icuRules: 'string',
    builtinLocale: 'string',
    collationVersion: 'string',
    isTemplate: 'boolean',
    allowConnections: 'boolean',
    connectionLimit: 'integer',
    tablespace: 'string',
    databaseReclaimPolicy: { enum: ['retain', 'delete'] },
    schemas: { array: { fields: { name: 'string', ensure, owner: 'string' }, required: ['name', 'ensure'] } },
    extensions: { array: extensionSpec },
  },
  required: ['cluster', 'name', 'owner'],
};

/** Checks a value against a Field; returns the problems found, as "path: message". */
export function checkField(value: unknown, field: Field, at: string, k8sCheck: (value: unknown, type: string, at: string) => string[]): string[] {
  if (field === 'any') return [];
  if (field === 'string') return typeof value === 'string' ? [] : [`${at}: expected a string`];
  if (field === 'integer') return Number.isInteger(value) ? [] : [`${at}: expected an integer`];
  if (field === 'boolean') return typeof value === 'boolean' ? [] : [`${at}: expected a boolean`];
  if ('enum' in field) return field.enum.includes(value as string) ? [] : [`${at}: ${JSON.stringify(value)} is not one of ${field.enum.join(', ')}`];
  if ('k8s' in field) return k8sCheck(value, field.k8s, at);
  if ('array' in field) {
    if (!Array.isArray(value)) return [`${at}: expected a list`];
    return value.flatMap((item, i) => checkField(item, field.array, `${at}[${i}]`, k8sCheck));
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${at}: expected an object`];
  if ('map' in field) return Object.entries(value).flatMap(([k, v]) => checkField(v, field.map, `${at}.${k}`, k8sCheck));
  const problems = (field.required ?? []).filter((k) => !(k in value)).map((k) => `${at}.${k}: required`);
  for (const [k, v] of Object.entries(value)) {
    const sub = field.fields[k];
    if (!sub) problems.push(`${at}.${k}: not a documented field`);
    else problems.push(...checkField(v, sub, `${at}.${k}`, k8sCheck));
  }
  return problems;
}
