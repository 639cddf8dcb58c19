export { type Static, type TSchema, Type } from 'typebox';
export {
  fetchVia,
  parseServiceAddress,
  type ServiceAddress,
  serviceAgent,
  servicePool,
  socketAddress,
} from './address.js';
export * from './auth.js';
export { serviceConfigProperties } from './base-config.js';
export { type ServiceClient, type ServiceClientOptions, serviceClient, upstreamProblem } from './client.js';
export { ConfigError, loadConfig } from './config.js';
export {
  cursorCodec,
  type FieldError,
  FieldErrorSchema,
  type FieldPart,
  fieldPath,
  invalidField,
  Page,
  ProblemSchema,
  pageQuery,
  toPage,
} from './contract.js';
export { ACCESS_KEY, EXPOSE_KEY, type Exposure, type RouteDeclaration, SECURITY_SCHEMES } from './declarations.js';
export { type EventStream, openEventStream, STREAM_EVENTS } from './event-stream.js';
export { SQLSTATE, sqlState, violatedConstraint } from './sqlstate.js';
export {
  type Database,
  DataDirInUseError,
  type DatabaseOptions,
  type ListenHandlers,
  type Listening,
  migrate,
  openDatabase,
} from './database.js';
export { DatabaseUnavailableError, isDatabaseUnavailable, toProblem } from './errors.js';
export { MAX_JSON_DEPTH } from './input-guard.js';
export {
  badRequest,
  conflict,
  HttpProblem,
  notFound,
  PROBLEM_CONTENT_TYPE,
  type ProblemDocument,
  unavailable,
} from './problem.js';
export { type MetricsListen, metricsListenOn, serveMetrics } from './metrics.js';
export { type Listen, listenOn, runService } from './run.js';
export {
  createService,
  type ReadinessCheck,
  requestIdFor,
  type ServiceApp,
  type ServiceContext,
  type ServiceDefinition,
} from './service.js';
export { forkModule, startWorker } from './worker.js';
