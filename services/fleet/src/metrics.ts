import { Counter, Gauge, type Registry } from 'prom-client';

/** Domain counters, labelled by resource type (a bounded set: the type table). */
export function createFleetMetrics(registry: Registry, { openStreams }: { openStreams: () => number }) {
  new Gauge({
    name: 'fleet_event_streams',
    help: 'Open live-change event streams in this process',
    registers: [registry],
    collect() {
      this.set(openStreams());
    },
  });
  const counter = (name: string, help: string) =>
    new Counter({ name, help, labelNames: ['type'] as const, registers: [registry] });
  return {
    resourcesCreated: counter('fleet_resources_created_total', 'Resources registered'),
    resourcesDeleted: counter('fleet_resources_deleted_total', 'Resources deleted'),
    allocationsCreated: counter('allocations_created_total', 'Allocations booked'),
    allocationsDeleted: counter('fleet_allocations_deleted_total', 'Allocations deleted (one by one)'),
    allocationConflicts: counter('allocation_conflicts_total', 'Bookings refused because they overlapped'),
  };
}

export type FleetMetrics = ReturnType<typeof createFleetMetrics>;
