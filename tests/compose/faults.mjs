#!/usr/bin/env node
// `npm run test:faults`: fault injection on the real Compose stack, through nginx on 127.0.0.1.
//
//   1. database SIGKILLed (`docker kill`) under booking load, started again 4 s later
//      (`docker start`): the gateway answers 503 problem+json within 1 s, bookings succeed again
//      within 10 s of the database's return, every booking that got a 201 is stored as booked,
//      no two bookings of a car overlap;
//   2. the fleet service's process SIGKILLed (a crash, as the OOM killer would): 503 naming fleet
//      fast, other services unaffected, Docker's restart policy brings it back, data intact;
//   3. the whole stack restarted (`docker-compose restart`): healthy again, sign-in works, the
//      users and bookings are still there.
// Each is a named check with its figures; the figures are printed in the summary and written to
// bench/results/faults-<date>.{json,md} (FLOTILLA_FAULTS_REPORT=0: not written).
//
// Shares the engine setup, secrets, image builds and stack lifecycle with test:compose
// (tests/compose/lib.mjs). FLOTILLA_IMAGES_FROM=<registry>:<tag> runs the given images (`.ci/run`
// passes the ones it pulled back from its registry, so it builds once); otherwise images already
// tagged flotilla-test/flotilla-<name>:compose are reused and missing ones built
// (FLOTILLA_FAULTS_BUILD=1: rebuild them all).
// Options: FLOTILLA_COMPOSE_KEEP=1 leaves the stack running; CONTAINERS_SETUP=path.
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import {
  assert,
  brief,
  buildImages,
  check,
  compose,
  configure,
  docker,
  generateSecrets,
  gitRevision,
  http,
  inspectAll,
  log,
  notCovered,
  prepareEngine,
  prepareStackEnv,
  presentServices,
  ROOT,
  results,
  run,
  runMain,
  secs,
  signIn,
  sleep,
  stackUp,
  timings,
  waitHealthy,
} from './lib.mjs';

configure({ project: `flotilla-faults-${process.pid}`, prefix: 'faults-test' });

// Targets, from the hardening issue.
const KILL_TO_503_MS = 1_000;
const DB_BACK_TO_201_MS = 10_000;
// How long the database stays down; the fleet service's own recovery is bounded by this.
const DB_OUTAGE_MS = 4_000;
const SERVICE_RECOVERY_LIMIT_MS = 30_000;
// A request the load's clients wait longer for than this counts as a hang (no answer).
const CLIENT_TIMEOUT_MS = 10_000;
// While a service's container is between death and restart its address answers nothing, and a
// connection attempt then waits for the SYN's first retransmission (1 s): a 503 may take that.
const SERVICE_DOWN_503_MS = 3_000;
const HOUR = 3_600_000;
const BOOKING_EPOCH = Date.UTC(2033, 0, 1);

const figures = {}; // scenario -> { figure: value }, for the summary and the report

// ------------------------------------------------------------------------------------------
// Booking load

const randomInt = (n) => Math.floor(Math.random() * n);
let requestNumber = 0;

/** A few clients booking random periods of random cars as fast as they are answered. */
class BookingLoad {
  constructor(cars, { clients = 4, pauseMs = 20, windowHours = 24 * 60 } = {}) {
    Object.assign(this, { cars, clients, pauseMs, windowHours });
    this.events = []; // { t0, t1, status, problem, detail, service, error }
    this.acked = []; // { car, id, start, end, t }
  }

  start() {
    this.running = true;
    this.loops = Array.from({ length: this.clients }, (_, i) => this.client(i));
    return this;
  }

  async stop() {
    this.running = false;
    await Promise.all(this.loops);
  }

  async client(i) {
    while (this.running) {
      const car = this.cars[randomInt(this.cars.length)];
      const from = BOOKING_EPOCH + randomInt(this.windowHours) * HOUR;
      const start = new Date(from).toISOString();
      const end = new Date(from + (1 + randomInt(4)) * HOUR).toISOString();
      const request = { car, key: `faults-${process.pid}-${++requestNumber}`, body: { start, end, holder: `faults-client-${i}` } };
      const t0 = Date.now();
      try {
        const r = await http('POST', `/api/cars/${car}/allocations`, {
          body: request.body,
          headers: { 'idempotency-key': request.key },
          timeoutMs: CLIENT_TIMEOUT_MS,
        });
        const event = {
          request,
          t0,
          t1: Date.now(),
          status: r.status,
          problem: String(r.headers.get('content-type')).includes('application/problem+json'),
          detail: r.json?.detail ?? r.text.slice(0, 200),
          service: r.json?.service,
        };
        this.events.push(event);
        if (r.status === 201) this.acked.push({ car, id: r.json.id, start, end, t: event.t1 });
      } catch (error) {
        const cause = error.cause?.code ?? error.cause?.message ?? '';
        this.events.push({
          request,
          t0,
          t1: Date.now(),
          status: 0,
          error: error.name === 'TimeoutError' ? `no answer within ${CLIENT_TIMEOUT_MS} ms` : `${error.message} ${cause}`,
        });
      }
      await sleep(this.pauseMs);
    }
  }

  /** Resolves with the first event matching, waiting up to timeoutMs for it. */
  async waitFor(match, timeoutMs) {
    const began = Date.now();
    for (;;) {
      const found = this.events.find(match);
      if (found) return found;
      if (Date.now() - began > timeoutMs) return undefined;
      await sleep(20);
    }
  }
}

/** Status counts, e.g. { 201: 40, 409: 12, 503: 30 }; 0 is "no answer" (hang or network). */
function tally(events) {
  const counts = {};
  for (const e of events) counts[e.status] = (counts[e.status] ?? 0) + 1;
  return counts;
}
const show = (counts) =>
  Object.entries(counts ?? {})
    .map(([status, n]) => `${status === '0' ? 'no answer' : status}×${n}`)
    .join(', ') || 'none';

// ------------------------------------------------------------------------------------------
// Data checks

async function parallel(items, width, fn) {
  const queue = [...items];
  const out = [];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) out.push(await fn(item));
    }),
  );
  return out;
}

/**
 * Every acknowledged booking is stored with its period; no two bookings of a car overlap. Returns
 * the counts, or throws naming what is missing.
 */
async function verifyBookings(acked, cars) {
  const missing = [];
  const changed = [];
  await parallel(acked, 4, async (booking) => {
    const r = await http('GET', `/api/cars/${booking.car}/allocations/${booking.id}`);
    if (r.status !== 200) missing.push(`${booking.car}/${booking.id} (${r.status})`);
    else if (
      Date.parse(r.json.start) !== Date.parse(booking.start) ||
      Date.parse(r.json.end) !== Date.parse(booking.end)
    )
      changed.push(`${booking.car}/${booking.id}`);
  });
  const stored = [];
  const overlaps = [];
  for (const car of cars) {
    const items = [];
    let cursor;
    do {
      const r = await http('GET', `/api/cars/${car}/allocations?limit=200${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
      assert(r.status === 200, `listing car ${car}'s bookings: ${brief(r)}`);
      items.push(...r.json.items);
      cursor = r.json.nextCursor;
    } while (cursor);
    items.sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
    for (let i = 1; i < items.length; i += 1) {
      if (Date.parse(items[i].start) < Date.parse(items[i - 1].end))
        overlaps.push(`car ${car}: ${items[i - 1].id} and ${items[i].id}`);
    }
    stored.push(...items.map((item) => ({ car, ...item })));
  }
  const ackedIds = new Set(acked.map((b) => `${b.car}/${b.id}`));
  const unacknowledged = stored.filter((item) => !ackedIds.has(`${item.car}/${item.id}`));
  const result = {
    acknowledged: acked.length,
    stored: stored.length,
    missing: missing.length,
    unacknowledged: unacknowledged.length,
    unacknowledgedItems: unacknowledged,
  };
  assert(missing.length === 0, `acknowledged (201) but not found: ${missing.length} of ${acked.length}: ${missing.slice(0, 10).join(', ')}`);
  assert(changed.length === 0, `stored with another period: ${changed.slice(0, 10).join(', ')}`);
  assert(overlaps.length === 0, `overlapping bookings: ${overlaps.slice(0, 10).join('; ')}`);
  return result;
}

/**
 * Bookings stored although their client saw no 201 (the answer was lost with the process or the
 * connection: a 503 after the commit, or none): retrying with the same Idempotency-Key must give
 * back that booking (a replayed 201), never a 409 against itself nor a second booking.
 */
async function resolveAmbiguous(v, state) {
  const out = [];
  for (const item of v.unacknowledgedItems) {
    const attempt = state.attempts.find(
      (e) =>
        e.request.car === item.car &&
        Date.parse(e.request.body.start) === Date.parse(item.start) &&
        Date.parse(e.request.body.end) === Date.parse(item.end) &&
        e.request.body.holder === item.holder,
    );
    if (!attempt) {
      out.push({ id: item.id, seen: 'no such request', retry: null, ok: false });
      continue;
    }
    const r = await http('POST', `/api/cars/${item.car}/allocations`, {
      body: attempt.request.body,
      headers: { 'idempotency-key': attempt.request.key },
    });
    const ok = r.status === 201 && r.json?.id === item.id;
    if (r.status === 201) state.acked.push({ car: item.car, id: r.json.id, start: item.start, end: item.end, t: Date.now() });
    out.push({ id: item.id, seen: attempt.status || (attempt.error ?? 'no answer'), retry: `${r.status}${r.json?.id ? ` id ${r.json.id}` : ''}`, ok });
  }
  return out;
}

async function checkAmbiguous(name, v, state, f) {
  await check(`${name}: a booking stored without a 201 is given back by a retry with its Idempotency-Key`, async () => {
    const resolved = await resolveAmbiguous(v, state);
    f.ambiguous = resolved;
    const text = resolved.map((r) => `#${r.id}: client saw ${r.seen}, retry → ${r.retry}`).join('; ');
    assert(resolved.every((r) => r.ok), text);
    return resolved.length ? text : 'no such booking this run';
  });
}

const summaryOf = ({ unacknowledgedItems: _items, ...counts }) => counts;

const describeCounts = (v) =>
  `${v.acknowledged} acknowledged (201), all stored as booked; ${v.stored} stored in all, ${v.unacknowledged} of them without a 201 seen (in flight at a fault)`;

// ------------------------------------------------------------------------------------------
// Containers

async function containerOf(service) {
  const id = (await compose(['ps', '-q', service])).stdout.trim();
  assert(id, `no ${service} container`);
  const [info] = await inspectAll([id]);
  return info;
}

/** Polls a service's route through the edge until it answers 200; the time from `since`. */
async function untilOk(path, since, timeoutMs) {
  for (;;) {
    const r = await http('GET', path, { timeoutMs: 2_000 }).catch(() => undefined);
    if (r?.status === 200) return Date.now() - since;
    if (Date.now() - since > timeoutMs) return undefined;
    await sleep(100);
  }
}

/** A read that needs each service's database, through the edge. */
const probes = (state) => ({
  users: `/get_user?userid=${state.users[0]}`,
  fleet: `/api/cars/${state.cars[0]}/allocations?limit=1`,
  translation: '/api/translations?limit=1',
  stats: '/api/stats/runs',
});

// ------------------------------------------------------------------------------------------
// Scenarios

/** Where a 503 came from: the service saying its database is down, or the gateway a service. */
const origin = (e) =>
  /database/i.test(e.detail ?? '') ? 'database' : /service is unavailable/.test(e.detail ?? '') ? 'service down' : 'other';
const origins = (events) => tally(events.filter((e) => e.status === 503).map((e) => ({ status: origin(e) })));
const sample = (list) =>
  list
    .slice(0, 3)
    .map((e) => `${e.status || 'no answer'} ${e.error ?? e.detail}`)
    .join(' | ');
/** The events that were neither answered nor refused as they should be, for the report. */
const oddities = (events, since) =>
  events
    .filter((e) => ![201, 409, 503].includes(e.status))
    .slice(0, 20)
    .map((e) => ({ startedMs: e.t0 - since, tookMs: e.t1 - e.t0, status: e.status, what: e.error ?? e.detail }));

/** Each service's container start time and restart count, to see which process died. */
async function starts(services) {
  const out = {};
  for (const s of services) {
    const info = await containerOf(s);
    out[s] = { startedAt: info.State.StartedAt, restarts: info.RestartCount, id: info.Id };
  }
  return out;
}

/** Lines of a container's log since a moment that say why its process ended. */
async function deathNotes(id, sinceMs) {
  const logs = await docker(['logs', '--since', new Date(sinceMs - 1000).toISOString(), id]);
  const lines = `${logs.stdout}\n${logs.stderr}`.split('\n');
  const notes = [];
  for (const [i, line] of lines.entries()) {
    if (/Unhandled 'error' event/.test(line)) notes.push(`${line.trim()} ${(lines[i + 3] ?? '').trim()}`);
    else if (/^startup failed|^Error:|code: '/.test(line.trim())) notes.push(line.trim());
  }
  return [...new Set(notes)].slice(0, 6);
}

/** Sequential reads of one service while a fault lasts: statuses and the slowest answer. */
function probeLoop(path, until) {
  const seen = [];
  const done = (async () => {
    while (!until()) {
      const t0 = Date.now();
      const r = await http('GET', path, { timeoutMs: CLIENT_TIMEOUT_MS }).catch((e) => ({
        status: 0,
        json: { detail: e.name === 'TimeoutError' ? `no answer within ${CLIENT_TIMEOUT_MS} ms` : e.message },
        text: '',
      }));
      seen.push({ t0, t1: Date.now(), status: r.status, detail: r.json?.detail ?? r.text.slice(0, 200) });
      await sleep(100);
    }
    return seen;
  })();
  return done;
}

async function databaseKill(state, present) {
  const f = (figures.databaseKill = {});
  const before = await starts(present);
  const load = new BookingLoad(state.cars).start();
  await sleep(3_000); // a baseline under load
  const db = await containerOf('db');
  const tKill = Date.now();
  const kill = await docker(['kill', db.Id]);
  const tKilled = Date.now();
  f.killCommandMs = tKilled - tKill;
  // Users is idle meanwhile (no transaction open): how a service that survives answers.
  let dbDown = true;
  const usersProbe = probeLoop(`/get_user?userid=${state.users[0]}`, () => !dbDown);
  await load.waitFor((e) => e.t1 >= tKill && e.status === 503, DB_OUTAGE_MS);
  await sleep(Math.max(0, tKill + DB_OUTAGE_MS - Date.now()));
  const tStart = Date.now();
  const start = await docker(['start', db.Id]);
  dbDown = false;
  const usersDuring = (await usersProbe).filter((e) => e.t0 < tStart);
  const serviceBack = Object.fromEntries(
    await Promise.all(
      present.map(async (s) => [s, await untilOk(probes(state)[s], tStart, SERVICE_RECOVERY_LIMIT_MS)]),
    ),
  );
  const first201 = await load.waitFor((e) => e.t1 >= tStart && e.status === 201, SERVICE_RECOVERY_LIMIT_MS);
  await sleep(2_000); // load again after the recovery
  await load.stop();
  await waitHealthy(['db', ...present], 60_000).catch(() => {});
  const after = await starts(present);
  const died = present.filter((s) => after[s].startedAt !== before[s].startedAt);
  const notes = Object.fromEntries(await Promise.all(died.map(async (s) => [s, await deathNotes(after[s].id, tKill)])));

  const beforeKill = load.events.filter((e) => e.t1 < tKill);
  // The first 503 of any kind, and the first in which fleet itself says its database is down.
  const first503 = load.events.find((e) => e.t1 >= tKill && e.status === 503);
  const firstDb503 = load.events.find((e) => e.t1 >= tKill && e.status === 503 && origin(e) === 'database');
  const inFlight = load.events.filter((e) => e.t0 < tKill && e.t1 >= tKill);
  const outage = load.events.filter((e) => e.t0 >= tKill && e.t0 < tStart);
  const faultEnd = first201?.t1 ?? Infinity;
  const during = load.events.filter((e) => e.t1 >= tKill && e.t1 <= faultEnd);
  const unexpected = during.filter((e) => e.status >= 500 && e.status !== 503);
  const hangs = during.filter((e) => e.status === 0);
  Object.assign(f, {
    requests: load.events.length,
    beforeKill: tally(beforeKill),
    kill503Ms: first503 ? first503.t1 - tKill : null,
    first503: first503?.detail ?? null,
    killToDatabase503Ms: firstDb503 ? firstDb503.t1 - tKill : null,
    inFlightAtKill: tally(inFlight),
    inFlightAnsweredWithinMs: inFlight.length ? Math.max(...inFlight.map((e) => e.t1 - tKill)) : null,
    outageRequests: tally(outage),
    outageSlowestMs: outage.length ? Math.max(...outage.map((e) => e.t1 - e.t0)) : null,
    outage503From: origins(during),
    usersWhileDown: tally(usersDuring),
    usersWhileDownSlowestMs: usersDuring.length ? Math.max(...usersDuring.map((e) => e.t1 - e.t0)) : null,
    usersWhileDownDetail: usersDuring[0]?.detail ?? null,
    dbBackTo201Ms: first201 ? first201.t1 - tStart : null,
    serviceBackMs: serviceBack,
    duringFault: tally(during),
    other5xx: unexpected.length,
    noAnswer: hangs.length,
    processesDied: Object.fromEntries(died.map((s) => [s, after[s].restarts - before[s].restarts])),
    deathNotes: notes,
    oddities: oddities(during, tKill),
  });
  log(
    `db kill: ${f.requests} bookings (${show(tally(load.events))}); first 503 ${f.kill503Ms} ms after the kill; 201 again ${f.dbBackTo201Ms} ms after docker start`,
  );

  await check('db SIGKILL under load: no service process dies (each answers 503 instead)', async () => {
    assert(kill.code === 0, `docker kill: ${kill.stderr.trim()}`);
    assert(
      died.length === 0,
      `restarted by Docker: ${died.map((s) => `${s} (${after[s].restarts - before[s].restarts}×)`).join(', ')}; ${Object.entries(
        notes,
      )
        .map(([s, n]) => `${s}: ${n.join(' / ')}`)
        .join('; ')}`,
    );
    return `${present.join(', ')} kept running`;
  });

  await check(`db SIGKILL under booking load → 503 "database unavailable" problem+json within ${KILL_TO_503_MS} ms`, async () => {
    assert(first503, `no 503 within ${DB_OUTAGE_MS} ms of the kill; seen: ${show(f.duringFault)}`);
    assert(first503.problem, `the 503 is not problem+json: ${first503.detail}`);
    assert(f.kill503Ms <= KILL_TO_503_MS, `first 503 ${f.kill503Ms} ms after the kill`);
    assert(
      firstDb503 && f.killToDatabase503Ms <= KILL_TO_503_MS,
      `fleet itself did not answer "database unavailable" within ${KILL_TO_503_MS} ms (${f.killToDatabase503Ms ?? 'never'}): the first 503 (${f.kill503Ms} ms) was "${first503.detail}"; 503s until recovery: ${show(f.outage503From)}`,
    );
    return `first 503 ${f.kill503Ms} ms after the kill ("${first503.detail}"); ${beforeKill.length} bookings before it (${show(f.beforeKill)})`;
  });

  await check(`db down: every request answered 503 within ${KILL_TO_503_MS} ms (no 500, 502/504 or hang)`, async () => {
    const bad = [...inFlight, ...outage].filter((e) => ![201, 409, 503].includes(e.status));
    // Time to the answer from when the database was gone (the kill) or the request was sent.
    const slow = [...inFlight, ...outage].filter((e) => e.t1 - Math.max(e.t0, tKill) > KILL_TO_503_MS);
    const usersBad = usersDuring.filter((e) => e.status !== 503 || e.t1 - e.t0 > KILL_TO_503_MS);
    assert(bad.length === 0, `bookings not 503: ${show(tally(bad))}; e.g. ${sample(bad)}`);
    assert(
      slow.length === 0,
      `${slow.length} bookings waited over ${KILL_TO_503_MS} ms: in flight at the kill ${show(f.inFlightAtKill)}, answered up to ${f.inFlightAnsweredWithinMs ?? "-"} ms after it; sent while down ${show(f.outageRequests)}, slowest ${f.outageSlowestMs ?? '-'} ms`,
    );
    assert(
      usersBad.length === 0,
      `users reads while the database was down: ${show(f.usersWhileDown)}, slowest ${f.usersWhileDownSlowestMs} ms ("${f.usersWhileDownDetail}")`,
    );
    return `bookings in flight at the kill: ${show(f.inFlightAtKill)}; while down: ${show(f.outageRequests)}, slowest ${f.outageSlowestMs} ms; users reads: ${show(f.usersWhileDown)}, slowest ${f.usersWhileDownSlowestMs} ms`;
  });

  await check(`db back (docker start) → bookings 201 again within ${DB_BACK_TO_201_MS / 1000} s`, async () => {
    assert(start.code === 0, `docker start: ${start.stderr.trim()}`);
    assert(first201, `no 201 within ${SERVICE_RECOVERY_LIMIT_MS / 1000} s of docker start`);
    assert(f.dbBackTo201Ms <= DB_BACK_TO_201_MS, `first 201 ${f.dbBackTo201Ms} ms after docker start`);
    assert(unexpected.length === 0 && hangs.length === 0, `between the kill and the first 201: ${show(f.duringFault)}; e.g. ${sample([...unexpected, ...hangs])}`);
    return `first 201 ${f.dbBackTo201Ms} ms after docker start; kill → first 201: ${show(f.duringFault)}`;
  });

  await check(`db back: every service answers again within ${DB_BACK_TO_201_MS / 1000} s`, async () => {
    const late = Object.entries(serviceBack).filter(([, ms]) => ms === undefined || ms > DB_BACK_TO_201_MS);
    const text = Object.entries(serviceBack)
      .map(([s, ms]) => `${s} ${ms === undefined ? 'not back' : `${ms} ms`}`)
      .join(', ');
    assert(late.length === 0, text);
    return `200 again after docker start: ${text}`;
  });

  state.acked.push(...load.acked);
  state.attempts.push(...load.events);
  let v;
  await check('db kill: no acknowledged booking lost, none overlapping', async () => {
    v = await verifyBookings(state.acked, state.cars);
    f.bookings = summaryOf(v);
    const users = await Promise.all(state.users.map((id) => http('GET', `/get_user?userid=${id}`)));
    assert(users.every((r) => r.status === 200), `users: ${users.map((r) => r.status).join(', ')}`);
    return describeCounts(v);
  });
  if (v) await checkAmbiguous('db kill', v, state, f);
}

/**
 * The main process of a container, as a host pid: init's child when it runs under an init, else
 * PID 1. Checked to be in that container's cgroup, so a stale pid can never hit another process.
 */
function mainProcess(info) {
  const pid = info.State.Pid;
  assert(info.State.Running && pid > 0, `${info.Name} is not running`);
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
  const target = Number(info.HostConfig.Init && children.length > 0 ? children[0] : pid);
  assert(readFileSync(`/proc/${target}/cgroup`, 'utf8').includes(info.Id), `pid ${target} is not in ${info.Name}`);
  return target;
}

async function serviceKill(state, running) {
  const f = (figures.serviceKill = {});
  await waitHealthy(running, 90_000);
  const load = new BookingLoad(state.cars, { clients: 3 }).start();
  await sleep(2_000);
  // Not `docker kill`: Docker 20.10 marks a killed container as stopped by hand, and its restart
  // policy leaves it down. A process that dies on its own (OOM, crash) is what the policy is for.
  const before = await containerOf('fleet');
  const pid = mainProcess(before);
  const tKill = Date.now();
  process.kill(pid, 'SIGKILL');
  const tKilled = Date.now();
  let fleetDown = true;
  const usersProbe = probeLoop(`/get_user?userid=${state.users[0]}`, () => !fleetDown);
  const first503 = await load.waitFor((e) => e.t1 >= tKill && e.status === 503, 10_000);
  let restarted;
  for (let began = Date.now(); Date.now() - began < SERVICE_RECOVERY_LIMIT_MS; await sleep(100)) {
    const now = await containerOf('fleet');
    if (now.State.Running && Date.parse(now.State.StartedAt) > tKill - 1000 && now.State.StartedAt !== before.State.StartedAt) {
      restarted = now;
      break;
    }
  }
  const first201 = await load.waitFor((e) => e.t0 > tKilled && e.status === 201, SERVICE_RECOVERY_LIMIT_MS);
  fleetDown = false;
  const usersDuring = await usersProbe;
  await sleep(1_000);
  await load.stop();
  let healthy;
  for (let began = Date.now(); restarted && Date.now() - began < 30_000; await sleep(250)) {
    if ((await containerOf('fleet')).State.Health?.Status === 'healthy') {
      healthy = Date.now() - tKill;
      break;
    }
  }
  const inFlight = load.events.filter((e) => e.t0 < tKilled && e.t1 >= tKill);
  const during = load.events.filter((e) => e.t0 >= tKilled && e.t1 <= (first201?.t1 ?? Infinity));
  Object.assign(f, {
    requests: load.events.length,
    kill503Ms: first503 ? first503.t1 - tKill : null,
    first503: first503?.detail ?? null,
    inFlightAtKill: tally(inFlight),
    duringOutage: tally(during),
    outageSlowestMs: during.length ? Math.max(...during.map((e) => e.t1 - e.t0)) : null,
    killToRunningMs: restarted ? Date.parse(restarted.State.StartedAt) - tKill : null,
    killTo201Ms: first201 ? first201.t1 - tKill : null,
    killToHealthyMs: healthy ?? null,
    usersWhileDown: tally(usersDuring),
    oddities: oddities([...inFlight, ...during], tKill),
  });
  log(`fleet kill: ${f.requests} bookings (${show(tally(load.events))})`);

  await check(`fleet SIGKILL → gateway 503 problem+json naming fleet within ${KILL_TO_503_MS} ms`, async () => {
    assert(first503, `no 503 after the kill; seen: ${show(f.duringOutage)}`);
    assert(first503.problem, 'the 503 is not problem+json');
    assert(first503.service === 'fleet' || /fleet/.test(first503.detail), `the 503 does not name fleet: ${first503.detail}`);
    assert(f.kill503Ms <= KILL_TO_503_MS, `first 503 ${f.kill503Ms} ms after the kill ("${first503.detail}")`);
    return `first 503 ${f.kill503Ms} ms after the kill ("${first503.detail}")`;
  });

  await check(`fleet down: 503 only, each within ${SERVICE_DOWN_503_MS} ms, users unaffected (502 tolerated in flight at the kill)`, async () => {
    const badInFlight = inFlight.filter((e) => ![201, 409, 502, 503].includes(e.status));
    const bad = during.filter((e) => ![201, 409, 503].includes(e.status));
    const slow = during.filter((e) => e.status === 503 && e.t1 - e.t0 > SERVICE_DOWN_503_MS);
    const usersBad = usersDuring.filter((e) => e.status !== 200);
    assert(badInFlight.length === 0, `in flight at the kill: ${show(tally(badInFlight))}: ${sample(badInFlight)}`);
    assert(bad.length === 0, `while fleet was down: ${show(tally(bad))}: ${sample(bad)}`);
    assert(slow.length === 0, `${slow.length} 503s took over ${SERVICE_DOWN_503_MS} ms (slowest ${f.outageSlowestMs} ms)`);
    assert(usersBad.length === 0, `users reads meanwhile: ${show(f.usersWhileDown)}: ${sample(usersBad)}`);
    return `in flight at the kill: ${show(f.inFlightAtKill)}; until the first 201: ${show(f.duringOutage)}, slowest ${f.outageSlowestMs ?? '-'} ms; users reads meanwhile: ${show(f.usersWhileDown)}`;
  });

  await check('fleet restarted by its restart policy; bookings 201 again', async () => {
    assert(restarted, `fleet not running again within ${SERVICE_RECOVERY_LIMIT_MS / 1000} s (restart policy ${before.HostConfig.RestartPolicy.Name})`);
    assert(first201, `no 201 within ${SERVICE_RECOVERY_LIMIT_MS / 1000} s of the restart`);
    return `kill → container running ${f.killToRunningMs} ms, → first 201 ${f.killTo201Ms} ms, → healthy ${healthy ?? 'not yet'} ms`;
  });

  state.acked.push(...load.acked);
  state.attempts.push(...load.events);
  let v;
  await check('fleet kill: no acknowledged booking lost, none overlapping', async () => {
    v = await verifyBookings(state.acked, state.cars);
    f.bookings = summaryOf(v);
    return describeCounts(v);
  });
  if (v) await checkAmbiguous('fleet kill', v, state, f);
}

async function stackRestart(state, running) {
  const f = (figures.stackRestart = {});
  await waitHealthy(running, 90_000);
  await check('docker-compose restart of the whole stack → every container healthy again', async () => {
    const restart = await compose(['restart', '-t', '20'], { timeoutMs: 300_000 });
    assert(restart.code === 0, restart.stderr.slice(-1500));
    const ms = await waitHealthy(running, 180_000);
    Object.assign(f, { restartCommandMs: restart.ms, healthyAfterMs: restart.ms + ms });
    const edge = await untilOk('/healthz', Date.now(), 30_000);
    assert(edge !== undefined, 'the edge does not reach the gateway after the restart');
    return `restart ${secs(restart.ms)}, all healthy ${secs(restart.ms + ms)} after it began`;
  });
  await check('after the restart: sign-in works, users and bookings intact, booking works', async () => {
    const login = await signIn();
    assert(login.status === 200, `sign-in: ${brief(login)}`);
    const users = await Promise.all(state.users.map((id) => http('GET', `/get_user?userid=${id}`)));
    assert(users.every((r) => r.status === 200), `users: ${users.map((r) => r.status).join(', ')}`);
    const v = await verifyBookings(state.acked, state.cars);
    f.bookings = summaryOf(v);
    const from = BOOKING_EPOCH + 400 * 24 * HOUR;
    const booking = await http('POST', `/api/cars/${state.cars[0]}/allocations`, {
      body: { start: new Date(from).toISOString(), end: new Date(from + HOUR).toISOString() },
    });
    assert(booking.status === 201, `a booking after the restart: ${brief(booking)}`);
    return `admin signed in; ${state.users.length} users; ${describeCounts(v)}`;
  });
}

// ------------------------------------------------------------------------------------------
// The run

async function main() {
  const present = presentServices();
  log(`services in the tree: gateway, ${present.join(', ')}`);
  const exported = await prepareEngine();
  const secretsDir = await prepareStackEnv(exported);
  await generateSecrets(secretsDir);
  const reused = await buildImages(exported, present, { reuse: process.env.FLOTILLA_FAULTS_BUILD !== '1' });
  timings.reused = reused;
  timings.revision = await gitRevision();
  timings.dirty = (await run('git', ['status', '--porcelain', '--untracked-files=no'])).stdout.trim() !== '';

  const running = ['db', ...present, 'gateway', 'edge'];
  await stackUp(running, secretsDir);

  if (!present.includes('users') || !present.includes('fleet')) {
    for (const name of ['database kill', 'service kill', 'stack restart'])
      notCovered(name, 'needs the users and fleet services');
    return;
  }

  // Data to keep: a few users (note 003 API) and cars.
  const state = { users: [], cars: [], acked: [], attempts: [] };
  const login = await signIn();
  assert(login.status === 200, `sign-in: ${brief(login)}`);
  for (let i = 0; i < 3; i += 1) {
    const id = 800_000 + ((process.pid * 3 + i) % 99_999);
    const r = await http('POST', `/create_user?userid=${id}&username=faults${id}`);
    assert(r.status === 201, `create_user: ${brief(r)}`);
    state.users.push(id);
  }
  for (let i = 0; i < 6; i += 1) {
    const r = await http('POST', '/api/cars', { body: { name: `faults-car-${i}` } });
    assert(r.status === 201, `POST /api/cars: ${brief(r)}`);
    state.cars.push(r.json.id);
  }

  await databaseKill(state, present);
  await serviceKill(state, running);
  await stackRestart(state, running);
  completed = true;
}

let completed = false; // the report is written for a whole run only

function figureLines() {
  const lines = [];
  if (timings.setup !== undefined) lines.push(`container setup: ${secs(timings.setup)}`);
  if (timings.reused?.length) lines.push(`images reused: ${timings.reused.join(', ')}`);
  if (timings.builds !== undefined) lines.push(`images built in ${secs(timings.builds)}`);
  if (timings.stackStart !== undefined) lines.push(`stack start (up → all healthy): ${secs(timings.stackStart)}`);
  const d = figures.databaseKill;
  if (d) {
    lines.push(
      `db kill: kill → first 503 ${d.kill503Ms ?? '-'} ms (target ≤ ${KILL_TO_503_MS}) "${d.first503 ?? '-'}"; → first "database unavailable" ${d.killToDatabase503Ms ?? 'never'} ms; 503s from: ${show(d.outage503From)}`,
      `db kill: bookings in flight at the kill: ${show(d.inFlightAtKill)}, answered up to ${d.inFlightAnsweredWithinMs ?? '-'} ms after it; sent while down: ${show(d.outageRequests)}, slowest ${d.outageSlowestMs ?? '-'} ms; users reads while down: ${show(d.usersWhileDown)}, slowest ${d.usersWhileDownSlowestMs ?? '-'} ms`,
      `db kill: docker start → first 201 ${d.dbBackTo201Ms ?? '-'} ms (target ≤ ${DB_BACK_TO_201_MS}); services 200 again: ${Object.entries(
        d.serviceBackMs ?? {},
      )
        .map(([name, ms]) => `${name} ${ms ?? 'never'} ms`)
        .join(', ')}`,
      `db kill: kill → first 201: ${show(d.duringFault)}; 5xx other than 503: ${d.other5xx}; no answer: ${d.noAnswer}; processes died: ${
        Object.entries(d.processesDied ?? {})
          .map(([name, n]) => `${name} ${n}×`)
          .join(', ') || 'none'
      }`,
    );
    if (d.bookings)
      lines.push(`db kill: bookings ${d.bookings.acknowledged} × 201, ${d.bookings.missing} missing, ${d.bookings.stored} stored`);
  }
  const s = figures.serviceKill;
  if (s) {
    lines.push(
      `fleet kill: kill → first 503 ${s.kill503Ms ?? '-'} ms; → running ${s.killToRunningMs ?? '-'} ms; → first 201 ${s.killTo201Ms ?? '-'} ms; → healthy ${s.killToHealthyMs ?? '-'} ms`,
      `fleet kill: in flight ${show(s.inFlightAtKill)}; until the first 201 ${show(s.duringOutage)}, slowest ${s.outageSlowestMs ?? '-'} ms; users reads meanwhile ${show(s.usersWhileDown)}`,
    );
  }
  const r = figures.stackRestart;
  if (r?.healthyAfterMs !== undefined)
    lines.push(`stack restart: command ${secs(r.restartCommandMs)}, all healthy ${secs(r.healthyAfterMs)}`);
  if (r?.bookings) lines.push(`after everything: ${r.bookings.acknowledged} × 201, ${r.bookings.missing} missing, ${r.bookings.stored} stored`);
  writeReport(lines);
  return lines;
}

/** bench/results/faults-<date>.json and .md, like the benchmarks' reports. */
function writeReport(lines) {
  if (process.env.FLOTILLA_FAULTS_REPORT === '0' || !completed) return;
  const date = new Date().toISOString().slice(0, 10);
  const base = join(ROOT, 'bench', 'results', `faults-${date}`);
  const checks = results.map(({ name, status, detail }) => ({ name, status, detail }));
  const report = {
    name: 'faults',
    date: new Date().toISOString(),
    revision: `${timings.revision ?? 'unknown'}${timings.dirty ? ' (with uncommitted changes)' : ''}`,
    imagesReused: timings.reused ?? [],
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model },
    targets: { killTo503Ms: KILL_TO_503_MS, dbBackTo201Ms: DB_BACK_TO_201_MS, dbOutageMs: DB_OUTAGE_MS },
    stackStartMs: timings.stackStart,
    scenarios: figures,
    checks,
  };
  writeFileSync(`${base}.json`, `${JSON.stringify(report, null, 2)}\n`);
  const md = [
    `# test:faults — ${report.date}`,
    '',
    `\`npm run test:faults\` at ${report.revision}, on ${report.machine.cpus} × ${report.machine.cpu}.`,
    '',
    `How: a load of 4 clients booking random 1–4 h periods of 6 cars through nginx; the db container`,
    `is \`docker kill\`ed (SIGKILL) and \`docker start\`ed ${DB_OUTAGE_MS / 1000} s later; the fleet service's Node process`,
    'is SIGKILLed from the host (a crash: `docker kill` would mark the container stopped by hand and',
    "Docker 20.10's restart policy would leave it down); then `docker-compose restart`. A request",
    `unanswered after ${CLIENT_TIMEOUT_MS / 1000} s is a hang. 500, 504 and hangs always fail; 502 is tolerated only for a`,
    "request in flight when its service's process died (its response was cut off), never while the",
    'database is down (the service is alive and must say 503).',
    '',
    '## Figures',
    '',
    ...lines.map((l) => `- ${l}`),
    '',
    '## Checks',
    '',
    '| check | result | detail |',
    '|---|---|---|',
    ...checks.map((c) => `| ${c.name} | ${c.status} | ${c.detail.replace(/\|/g, '\\|').replace(/\n/g, ' ').slice(0, 400)} |`),
    '',
  ];
  writeFileSync(`${base}.md`, md.join('\n'));
  log(`report: ${base.slice(ROOT.length + 1)}.{json,md}`);
}

await runMain('test:faults', main, figureLines);
