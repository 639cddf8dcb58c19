import { accessExpiryOf, openEventStream, type ServiceApp } from '@flotilla/kit';
import type { FleetChanges } from '../domain/changes.js';
import { TYPE_PARAM } from '../resource-types.js';
import { typeOf } from './context.js';
import { FleetEventsResponse, NoQuery, TypeParams } from './schemas.js';

/** How long a cut client waits before reconnecting (the stream's `retry:`). */
const RETRY_MS = 2_000;

/** `/{type}/events`: every change to the type's resources and bookings, live, as server-sent events. */
export function eventRoutes(app: ServiceApp, changes: FleetChanges): void {
  app.get(
    `/${TYPE_PARAM}/events`,
    {
      config: { access: 'viewer' },
      schema: {
        tags: ['resources'],
        summary: "Live changes to the type's resources and bookings, made through any replica (server-sent events)",
        params: TypeParams,
        querystring: NoQuery,
        response: { 200: FleetEventsResponse },
      },
    },
    async (request, reply) => {
      const type = typeOf(request.params);
      // Refused as an ordinary 503 while the database cannot be listened on, before the stream opens.
      await changes.live();
      // From here to `ready` nothing awaits, so no change slips in between.
      const stream = openEventStream(request, reply, { retryMs: RETRY_MS });
      const unsubscribe = changes.subscribe(
        type,
        (change) => stream.send(change.event, change.data),
        () => stream.end(),
      );
      // A stream must not outlive the token that opened it (a role taken away, an account
      // disabled): it is cut when the token expires, and the client reconnects with a fresh one.
      const expiresAt = accessExpiryOf(request);
      const expiry =
        expiresAt === undefined ? undefined : setTimeout(() => stream.end(), Math.max(0, expiresAt - Date.now()));
      // However it ends (client gone, cut, expired), the subscription goes with it; a client
      // that left while the feed was starting is gone already.
      const ended = () => {
        clearTimeout(expiry);
        unsubscribe();
      };
      reply.raw.once('close', ended);
      if (request.raw.socket.destroyed) ended();
      stream.send('ready', {});
    },
  );
}
