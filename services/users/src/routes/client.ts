import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { GATEWAY_HEADER } from '@flotilla/kit';
import type { FastifyRequest } from 'fastify';


// Digests have one length whatever was sent, so the comparison leaks neither content nor length.
const digest = (value: string) => createHash('sha256').update(value).digest();

/**
 * How to tell a request's client address, for rate limiting: the last X-Forwarded-For hop when
 * the request carries the gateway's secret, otherwise the socket peer. Being on loopback or in
 * the gateway's network proves nothing (any process there could forge the header and get a fresh
 * allowance per request); without a secret configured, no X-Forwarded-For is believed at all.
 */
export function clientAddressResolver(gatewaySecret: string | undefined) {
  const expected = gatewaySecret === undefined ? undefined : digest(gatewaySecret);
  const fromGateway = (request: FastifyRequest): boolean => {
    const presented = request.headers[GATEWAY_HEADER];
    if (expected === undefined || typeof presented !== 'string') return false;
    return timingSafeEqual(digest(presented), expected);
  };
  return (request: FastifyRequest): string => {
    const peer = request.socket.remoteAddress ?? 'unknown';
    const forwarded = request.headers['x-forwarded-for'];
    if (typeof forwarded !== 'string' || !fromGateway(request)) return peer;
    // Only an address: the hop becomes part of a database key, and a malformed one is a gateway bug.
    const last = forwarded.split(',').at(-1)?.trim() ?? '';
    return isIP(last) ? last : peer;
  };
}

/** Whether the browser reached us over https (directly or through the gateway and edge). */
export function overHttps(request: FastifyRequest): boolean {
  const proto = request.headers['x-forwarded-proto'];
  // A forged "https" only makes the cookie stricter, so the header needs no trust check here.
  return (
    request.protocol === 'https' || (typeof proto === 'string' && proto.split(',')[0]?.trim() === 'https')
  );
}
