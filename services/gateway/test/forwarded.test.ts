import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../src/app.js';
import { loadGatewayConfig } from '../src/config.js';
import { startUpstream, tokenFor } from './upstream.js';

// The users service limits logins per client address, which it learns from X-Forwarded-For.
async function gatewayTrusting(trustProxy: string, upstreamUrl: string) {
  const gateway = await buildApp(
    loadGatewayConfig({
      LOG_LEVEL: 'silent',
      FLEET_URL: upstreamUrl,
      USERS_URL: upstreamUrl,
      TRUST_PROXY: trustProxy,
      WEB_DIR: '/nonexistent',
    }),
  );
  await gateway.listen({ port: 0, host: '127.0.0.1' });
  return { gateway, base: `http://127.0.0.1:${(gateway.server.address() as AddressInfo).port}` };
}

describe('client address forwarded to services', () => {
  let upstream: Awaited<ReturnType<typeof startUpstream>>;
  let auth: { authorization: string };
  beforeAll(async () => {
    upstream = await startUpstream();
    auth = { authorization: `Bearer ${await tokenFor(['viewer'])}` };
  });
  afterAll(async () => upstream?.close());

  it('ignores a client-supplied X-Forwarded-For when no proxy is trusted', async () => {
    const { gateway, base } = await gatewayTrusting('', upstream.url);
    await fetch(`${base}/api/cars`, { headers: { ...auth, 'x-forwarded-for': '203.0.113.9' } });
    expect(upstream.seen.at(-1)?.headers['x-forwarded-for']).toBe('127.0.0.1');
    await gateway.close();
  });

  it('passes on the client address a trusted edge reports', async () => {
    const { gateway, base } = await gatewayTrusting('loopback', upstream.url);
    await fetch(`${base}/api/cars`, { headers: { ...auth, 'x-forwarded-for': '203.0.113.9' } });
    expect(upstream.seen.at(-1)?.headers['x-forwarded-for']).toBe('203.0.113.9');
    await gateway.close();
  });
});
