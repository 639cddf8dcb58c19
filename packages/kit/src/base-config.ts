import { Type } from 'typebox';

/** Variables every service reads; services spread these into their own config schema. */
export function serviceConfigProperties(defaultPort: number) {
  return {
    PORT: Type.Integer({ minimum: 0, maximum: 65535, default: defaultPort }),
    // Loopback by default: containers set HOST=0.0.0.0 explicitly.
    HOST: Type.String({ default: '127.0.0.1' }),
    // A Unix domain socket to listen on instead of HOST:PORT (the embedded stack's services).
    SOCKET_PATH: Type.Optional(Type.String({ minLength: 1 })),
    LOG_LEVEL: Type.Union(
      ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].map((level) => Type.Literal(level)),
      { default: 'info' },
    ),
    // Prometheus metrics on a listener of their own, never on the public one: a TCP port
    // (containers: 9464, on METRICS_HOST, default HOST) or a Unix socket (the embedded stack).
    // Neither set: /metrics is answered on the service's own listener (in-process tests).
    METRICS_PORT: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535 })),
    METRICS_HOST: Type.Optional(Type.String({ minLength: 1 })),
    METRICS_SOCKET_PATH: Type.Optional(Type.String({ minLength: 1 })),
    DATABASE_URL: Type.Optional(Type.String({ minLength: 1 })),
    DATA_DIR: Type.Optional(Type.String({ minLength: 1 })),
  };
}
