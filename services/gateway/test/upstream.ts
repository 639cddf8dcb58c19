import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { ACCESS_TOKEN, type Role } from '@flotilla/kit';
import { exportJWK, SignJWT } from 'jose';

export interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

/** A token signer standing in for the users service: its JWKS is what the fake upstream serves. */
const { privateKey } = generateKeyPairSync('ed25519');
const publicJwk = { ...(await exportJWK(createPublicKey(privateKey))), kid: 'test', alg: 'EdDSA' };

export function tokenFor(roles: Role[], ttlSeconds = 300): Promise<string> {
  return new SignJWT({ username: `a-${roles.join('-') || 'nobody'}`, roles })
    .setProtectedHeader({ alg: 'EdDSA', kid: 'test', typ: ACCESS_TOKEN.type })
    .setIssuer(ACCESS_TOKEN.issuer)
    .setAudience(ACCESS_TOKEN.audience)
    .setSubject('7')
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(privateKey);
}

/** A real HTTP service standing in for an upstream: it records what reached it. */
export async function startUpstream(): Promise<{ url: string; seen: Seen[]; close(): Promise<void> }> {
  const seen: Seen[] = [];
  const server: Server = createServer((request, response) => {
    seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers });
    if (request.url === '/.well-known/jwks.json') {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: [publicJwk] }));
      return;
    }
    if (request.url === '/openapi.json') {
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({
          openapi: '3.1.0',
          info: { title: 'fake', version: '1' },
          paths: {
            '/cars': { get: { responses: { 200: { $ref: '#/components/schemas/def-0' } } } },
            '/internal': { get: {} },
          },
          components: { schemas: { 'def-0': { type: 'object' } } },
        }),
      );
      return;
    }
    if (request.url?.startsWith('/cars/slow')) {
      setTimeout(() => response.end('late'), 2_000).unref();
      return;
    }
    if (request.url?.startsWith('/cars/big')) {
      const chunk = Buffer.alloc(1024 * 1024, 'x');
      let sent = 0;
      const write = () => {
        while (sent < 20) {
          sent += 1;
          if (!response.write(chunk)) return void response.once('drain', write);
        }
        response.end();
      };
      write();
      return;
    }
    const hash = createHash('sha256');
    let bytes = 0;
    request.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      hash.update(chunk);
    });
    request.on('end', () => {
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify({ method: request.method, url: request.url, bytes, sha256: hash.digest('hex') }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on: bound, then released. */
export async function closedPort(): Promise<number> {
  const server = createTcpServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}
