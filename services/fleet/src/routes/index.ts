import type { ServiceApp } from '@flotilla/kit';
import { allocationRoutes } from './allocations.js';
import type { FleetDeps } from './context.js';
import { eventRoutes } from './events.js';
import { resourceRoutes } from './resources.js';

/**
 * Every fleet route, registered here and only here, each operation once: the `{type}` path
 * parameter covers every declared resource type. Each route declares its access next to itself
 * (reads viewer, writes operator), which kit's verifyAccess enforces.
 */
export async function fleetRoutes(app: ServiceApp, deps: FleetDeps): Promise<void> {
  resourceRoutes(app, deps);
  allocationRoutes(app, deps);
  eventRoutes(app, deps.changes);
}
