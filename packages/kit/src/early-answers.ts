import { type IncomingMessage, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { HttpProblem } from './problem.js';

/** Beyond this, an unread request body is not worth reading to keep its connection alive. */
export const MAX_DISCARDED_BYTES = 64 * 1024 * 1024;

/**
 * A body whose declared length is over the limit gets 413 before a byte of it is read (Fastify's
 * own check closes the connection, and a proxy still writing the body, the gateway, then sees a
 * broken pipe instead of the answer).
 */
export function refuseOversizedBodies(app: FastifyInstance, limit: number): void {
  app.addHook('onRequest', async (request) => {
    const declared = Number(request.headers['content-length']);
    if (declared > limit) {
      throw new HttpProblem(
        413,
        `the request body is ${declared} bytes; this service accepts at most ${limit} bytes`,
        { limit },
      );
    }
  });
}

/**
 * Answered before the whole request body arrived (401, 413, a service down): read the rest and
 * throw it away, so the client reads this answer rather than a broken pipe, and its next request
 * on the connection is not stuck behind unread bytes. A body too large for that is cut off.
 */
export function discardUnreadBody(request: IncomingMessage, reply: FastifyReply): void {
  const declared = Number(request.headers['content-length']);
  if (declared > MAX_DISCARDED_BYTES) {
    reply.header('connection', 'close');
    return;
  }
  // Keep-alive after all: the rest is read (a proxy may have asked to close for this reason).
  reply.removeHeader('connection');
  let discarded = 0;
  request.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > MAX_DISCARDED_BYTES) request.socket.destroy();
  });
  // Detached from wherever it was going (a proxy's upstream that failed would hold it paused).
  request.unpipe();
  request.resume();
}

/**
 * What Node's HTTP parser refuses before Fastify sees a request (headers too large, bytes no
 * HTTP request may hold, a client too slow), answered as problem+json like every other error.
 */
export function clientErrorAnswer(error: Error & { code?: string }, socket: Socket): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const [status, detail] =
    error.code === 'HPE_HEADER_OVERFLOW'
      ? [431, 'the request headers (or the URL) are larger than this service accepts']
      : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
        ? [408, 'the request did not arrive in time']
        : [400, `the request is not valid HTTP (${error.code ?? error.message})`];
  const body = JSON.stringify(new HttpProblem(status, detail).toJSON());
  if (socket.writable) {
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/problem+json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  }
  socket.destroy(error);
}
