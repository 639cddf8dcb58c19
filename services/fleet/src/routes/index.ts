import type { ServiceApp } from '@flotilla/kit';
import { RESOURCE_TYPES } from '../resource-types.js';
import { allocationRoutes } from './allocations.js';
import type { FleetDeps } from './context.js';
import { resourceRoutes } from './resources.js';

/**
 * Every fleet route, for every declared resource type, registered here and only here: a hook
 * added to `app` at the top of this function (e.g. an authentication preHandler) covers them all.
 */
export async function fleetRoutes(app: ServiceApp, deps: FleetDeps): Promise<void> {
  for (const type of RESOURCE_TYPES) {
    resourceRoutes(app, type, deps);
    allocationRoutes(app, type, deps);
  }
}
