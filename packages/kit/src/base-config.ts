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
    DATABASE_URL: Type.Optional(Type.String({ minLength: 1 })),
    DATA_DIR: Type.Optional(Type.String({ minLength: 1 })),
  };
}
