import { fieldPath, principalOf, type ServiceApp } from '@flotilla/kit';
import { idempotent } from '../domain/idempotency.js';
import { requireId } from '../domain/ids.js';
import type { ResourceView } from '../domain/views.js';
import { parsePeriod } from '../domain/period.js';
import {
  availableResourcesPage,
  checkStorable,
  createResource,
  deleteResource,
  getResource,
  listResourcesPage,
} from '../domain/resources.js';
import { TYPE_PARAM } from '../resource-types.js';
import { type FleetDeps, sendOutcome, typeOf } from './context.js';
import {
  answer,
  AvailableQuery,
  CreateResourceBody,
  Deleted,
  DeleteQuery,
  IdempotencyHeaders,
  IdempotencyProblem,
  ListQuery,
  NameTakenProblem,
  NotFoundProblem,
  ResourceInUseProblem,
  ResourcePage,
  ResourceParams,
  ResourceSchema,
  TypeParams,
} from './schemas.js';

const tags = ['resources'];

/** `/{type}`: register, list, find available, get and delete resources, each operation once for every type. */
export function resourceRoutes(app: ServiceApp, deps: FleetDeps): void {
  const base = `/${TYPE_PARAM}`;

  app.post(
    base,
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: 'Register a resource of the type',
        params: TypeParams,
        headers: IdempotencyHeaders,
        body: CreateResourceBody,
        response: { 201: answer('Registered', ResourceSchema), 409: NameTakenProblem, 422: IdempotencyProblem },
      },
    },
    async (request, reply) => {
      const type = typeOf(request.params);
      checkStorable(request.body, 'body');
      const outcome = await idempotent(
        deps.db,
        {
          key: request.headers['idempotency-key'],
          callerId: principalOf(request).userId,
          scope: `POST /${type.plural}`,
          body: request.body,
          ttlHours: deps.idempotencyTtlHours,
        },
        async (db) => ({ status: 201, body: await createResource(db, type, request.body) }),
      );
      if (!outcome.replayed) {
        deps.metrics.resourcesCreated.inc({ type: type.name });
        const { id } = outcome.body as ResourceView;
        deps.changes.announce({ event: 'resource.created', type: type.name, id });
      }
      return sendOutcome(reply, outcome);
    },
  );

  app.get(
    base,
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'List the resources of the type, oldest first',
        params: TypeParams,
        querystring: ListQuery,
        response: { 200: answer('A page of resources', ResourcePage) },
      },
    },
    async (request) => listResourcesPage(deps.db, typeOf(request.params), request.query),
  );

  app.get(
    `${base}/available`,
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'The resources of the type free for the whole period [from, to)',
        params: TypeParams,
        querystring: AvailableQuery,
        response: { 200: answer('A page of the resources free for the whole period', ResourcePage) },
      },
    },
    async (request) => {
      const { from, to, ...page } = request.query;
      const period = parsePeriod(from, to, { start: fieldPath('query', 'from'), end: fieldPath('query', 'to') });
      return availableResourcesPage(deps.db, typeOf(request.params), period, page);
    },
  );

  app.get(
    `${base}/:id`,
    {
      config: { access: 'viewer' },
      schema: {
        tags,
        summary: 'Get a resource',
        params: ResourceParams,
        response: { 200: answer('The resource', ResourceSchema), 404: NotFoundProblem },
      },
    },
    async (request) => {
      const type = typeOf(request.params);
      return getResource(deps.db, type, requireId(type, request.params.id));
    },
  );

  app.delete(
    `${base}/:id`,
    {
      config: { access: 'operator' },
      schema: {
        tags,
        summary: 'Delete a resource; 409 while it has bookings that have not ended, unless force=true',
        params: ResourceParams,
        querystring: DeleteQuery,
        response: { 204: Deleted, 404: NotFoundProblem, 409: ResourceInUseProblem },
      },
    },
    async (request, reply) => {
      const type = typeOf(request.params);
      const id = requireId(type, request.params.id);
      await deleteResource(deps.db, type, id, request.query.force);
      deps.metrics.resourcesDeleted.inc({ type: type.name });
      // Its bookings went with it: `resource.deleted` says so for them too.
      deps.changes.announce({ event: 'resource.deleted', type: type.name, id });
      return reply.code(204).send(null);
    },
  );
}
