// The least a Node.js proxy can do, for the benchmark's proxy-cost group: node:http in front of an
// undici pool (as the gateway's), forwarding method, path, headers and body, and streaming the
// answer back — no routing table, authentication, logging or metrics. What it costs per request is
// Node's own floor beside nginx's; the gateway's figure above it is what Flotilla's layers add.
// Usage: node minimal-proxy.mjs <upstream origin>; reports { type: 'listening', port } over IPC.
import { createServer } from 'node:http';
import { Pool } from 'undici';

// Hop-by-hop headers (RFC 9110 §7.6.1) are not forwarded; undici refuses most of them anyway.
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'te', 'transfer-encoding', 'upgrade', 'host']);
const upstream = new Pool(process.argv[2], { connections: 64 });

const server = createServer(async (request, response) => {
  const headers = {};
  for (const [name, value] of Object.entries(request.headers)) if (!HOP_BY_HOP.has(name)) headers[name] = value;
  try {
    const answer = await upstream.request({
      method: request.method,
      path: request.url,
      headers,
      body: request.method === 'GET' || request.method === 'HEAD' ? null : request,
    });
    const out = {};
    for (const [name, value] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(name)) out[name] = value;
    response.writeHead(answer.statusCode, out);
    answer.body.pipe(response);
  } catch (error) {
    response.writeHead(502, { 'content-type': 'text/plain' }).end(`${error.message}\n`);
  }
});
server.keepAliveTimeout = 65_000;
server.listen(0, '127.0.0.1', () => process.send?.({ type: 'listening', port: server.address().port }));
process.on('SIGTERM', () => server.close(() => upstream.close().then(() => process.exit(0))));
