// The upstream for measuring a proxy's own cost: answers every request at once with the same small
// JSON document (a resource, as GET /cars/1 would), on 127.0.0.1:<port> (0: any; printed).
import { createServer } from 'node:http';

const body = JSON.stringify({ id: 1, type: 'car', name: 'bench-0', attributes: { bench: true } });
const server = createServer((request, response) => {
  request.resume();
  response.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body) });
  response.end(body);
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.argv[2] ?? 0), '127.0.0.1', () => {
  process.send?.({ type: 'listening', port: server.address().port });
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
