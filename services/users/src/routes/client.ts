import { BlockList, isIP } from 'node:net';
import type { FastifyRequest } from 'fastify';

/** Parses TRUSTED_PROXIES: addresses, CIDRs and `loopback`. */
export function trustedProxies(spec: string): BlockList {
  const list = new BlockList();
  for (const entry of spec
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean)) {
    if (entry === 'loopback') {
      list.addSubnet('127.0.0.0', 8, 'ipv4');
      list.addAddress('::1', 'ipv6');
      continue;
    }
    const [address = '', bits] = entry.split('/');
    const family = isIP(address) === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(address, family);
    else list.addSubnet(address, Number(bits), family);
  }
  return list;
}

function contains(list: BlockList, address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  const family = isIP(v4);
  return family !== 0 && list.check(v4, family === 6 ? 'ipv6' : 'ipv4');
}

/**
 * The client's address for rate limiting: the socket peer, or — only when that peer is a trusted
 * proxy (the gateway) — the last X-Forwarded-For hop it added. Anyone else could forge the header
 * to get a fresh allowance per request.
 */
export function clientAddress(request: FastifyRequest, trusted: BlockList): string {
  const peer = request.socket.remoteAddress ?? 'unknown';
  const forwarded = request.headers['x-forwarded-for'];
  if (typeof forwarded !== 'string' || !contains(trusted, peer)) return peer;
  return forwarded.split(',').at(-1)?.trim() || peer;
}

/** Whether the browser reached us over https (directly or through the gateway and edge). */
export function overHttps(request: FastifyRequest): boolean {
  const proto = request.headers['x-forwarded-proto'];
  // A forged "https" only makes the cookie stricter, so the header needs no trust check here.
  return (
    request.protocol === 'https' || (typeof proto === 'string' && proto.split(',')[0]?.trim() === 'https')
  );
}
