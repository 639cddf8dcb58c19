import { type Readable, Transform } from 'node:stream';
import { HttpProblem } from '@flotilla/kit';

/**
 * A service's response as the client should get it. Event streams (translation progress,
 * training events) pass through event by event; when the service dies mid-stream the client gets
 * a last `error` event saying so — a problem document like every other error — instead of a
 * silently closed socket, and never half an event.
 */
export function endStreamsWithErrorEvent(
  upstream: Readable,
  {
    contentType,
    service,
    instance,
    cutWhen,
  }: {
    contentType: string;
    service: string;
    instance: string;
    /** Ends the stream after its last whole event, as a cut (no `error`: the client reconnects). */
    cutWhen?: AbortSignal;
  },
): Readable {
  if (!contentType.startsWith('text/event-stream')) return upstream;
  let pending = Buffer.alloc(0);
  const events = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      pending = Buffer.concat([pending, chunk]);
      const end = lastEventEnd(pending);
      if (end > 0) {
        this.push(pending.subarray(0, end));
        pending = pending.subarray(end);
      }
      done();
    },
    flush(done) {
      // A clean end: whatever the service sent last goes out as it was.
      if (pending.length > 0) this.push(pending);
      done();
    },
  });
  upstream.on('error', () => {
    if (events.writableEnded) return; // cut already
    const problem = new HttpProblem(
      502,
      `the ${service} service stopped before the stream was complete; retry`,
      { service },
    );
    pending = Buffer.alloc(0); // half an event is dropped, not sent
    events.end(`event: error\ndata: ${JSON.stringify(problem.toJSON(instance))}\n\n`);
  });
  upstream.pipe(events);
  const cut = () => {
    upstream.unpipe(events);
    upstream.destroy();
    pending = Buffer.alloc(0);
    events.end();
  };
  if (cutWhen?.aborted) cut();
  else cutWhen?.addEventListener('abort', cut, { once: true });
  events.once('close', () => {
    cutWhen?.removeEventListener('abort', cut);
    // The client left (Fastify destroys what it was sending): so does the upstream request, or a
    // stream that never ends (fleet's changes) would hold its connection of the pool for ever.
    if (!upstream.readableEnded) upstream.destroy();
  });
  return events;
}

/** The offset just past the last blank line (the end of an event), or 0 when there is none. */
function lastEventEnd(buffer: Buffer): number {
  const lf = buffer.lastIndexOf('\n\n');
  const crlf = buffer.lastIndexOf('\r\n\r\n');
  return Math.max(lf === -1 ? 0 : lf + 2, crlf === -1 ? 0 : crlf + 4);
}
