/**
 * The load generator of the fleet benchmark, run in a process of its own (as a real client is) by
 * fleet.ts: autocannon keeps `clients` keep-alive connections busy for `seconds`, after `warmup`
 * seconds whose figures are discarded. Prints one JSON line: statuses, throughput, latency.
 *
 *   node --import tsx services/fleet/bench/load.ts '<LoadSpec as JSON>'
 */
import autocannon from 'autocannon';

export interface LoadSpec {
  url: string;
  clients: number;
  seconds: number;
  warmup: number;
  headers: Record<string, string>;
  /** `get`: GET `path` again and again. `book`: POST a random period to a random resource's allocations. */
  kind: 'get' | 'book';
  path: string;
  /** For `book`: `path` with `{id}` replaced by one of these. */
  resources?: number[];
  /** For `book`: the periods fall in the ten years after this instant (ms), so runs never collide. */
  epoch?: number;
}

export interface LoadResult {
  /** What the warm-up's requests answered (its bookings are stored too). */
  warmupStatuses: Record<string, number>;
  /** For `book`: the id of every booking answered 201, warm-up included. */
  acknowledged: number[];
  seconds: number;
  requests: number;
  requestsPerSecond: number;
  statuses: Record<string, number>;
  /** Connection errors and timeouts (no status). */
  errors: number;
  latencyMs: { p50: number; p90: number; p99: number; max: number };
}

const SLOT_MS = 15 * 60_000;
/** Ten years of slots: few enough refusals that every path spends its time booking. */
export const HORIZON_SLOTS = 10 * 365 * 24 * 4;

/** A random booking: 1–16 fifteen-minute slots at a random slot of the ten years after `epoch`. */
export function randomBooking(resources: readonly number[], epoch: number): { id: number; body: string } {
  const id = resources[Math.floor(Math.random() * resources.length)] as number;
  const slot = Math.floor(Math.random() * HORIZON_SLOTS);
  const length = 1 + Math.floor(Math.random() * 16);
  const start = new Date(epoch + slot * SLOT_MS).toISOString();
  const end = new Date(epoch + (slot + length) * SLOT_MS).toISOString();
  return { id, body: JSON.stringify({ start, end, holder: 'bench' }) };
}

function run(spec: LoadSpec, seconds: number, acknowledged: number[]): Promise<autocannon.Result> {
  const request: autocannon.Request =
    spec.kind === 'get'
      ? { method: 'GET', path: spec.path }
      : {
          method: 'POST',
          setupRequest: (req) => {
            const booking = randomBooking(spec.resources ?? [], spec.epoch ?? 0);
            return { ...req, path: spec.path.replace('{id}', String(booking.id)), body: booking.body };
          },
          onResponse: (status, body) => {
            if (status === 201) acknowledged.push((JSON.parse(body) as { id: number }).id);
          },
        };
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: spec.url,
        connections: spec.clients,
        duration: seconds,
        headers: spec.headers,
        requests: [request],
        timeout: 10,
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

function statusesOf(result: autocannon.Result): Record<string, number> {
  return Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([status, { count }]) => [status, count ?? 0]),
  );
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? '') as LoadSpec;
  const acknowledged: number[] = [];
  const warmupStatuses = spec.warmup > 0 ? statusesOf(await run(spec, spec.warmup, acknowledged)) : {};
  const result = await run(spec, spec.seconds, acknowledged);
  const statuses = statusesOf(result);
  const requests = Object.values(statuses).reduce((sum, n) => sum + n, 0);
  const out: LoadResult = {
    warmupStatuses,
    acknowledged,
    seconds: result.duration,
    requests,
    requestsPerSecond: Math.round((requests / result.duration) * 10) / 10,
    statuses,
    errors: result.errors + result.timeouts,
    latencyMs: {
      p50: result.latency.p50,
      p90: result.latency.p90,
      p99: result.latency.p99,
      max: result.latency.max,
    },
  };
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
