import { sql } from 'kysely';
import pg from 'pg';
import { CONSOLE_ROLE, postgresConsole } from '../src/console/executor.js';
import { type Answer, type Kind, type Service, startService } from './harness.js';

export interface ConsoleService {
  service: Service;
  /** PostgreSQL only: the console's login role and its URL. */
  login: { role: string; url: string } | undefined;
  close(): Promise<void>;
}

/**
 * A translation service whose console is live: on PostgreSQL through a login role made as the
 * Compose init makes it (member of the reader role, with its limits), on PGlite the sandbox.
 */
export async function startConsoleService(kind: Kind): Promise<ConsoleService> {
  if (kind === 'pglite') {
    const service = await startService(kind);
    await service.engines.start();
    return { service, login: undefined, close: () => service.close() };
  }
  const first = await startService(kind);
  const role = `tr_console_${Math.random().toString(36).slice(2, 10)}`;
  // As the init script does, less default_transaction_read_only: tests see the privileges alone.
  for (const statement of [
    `create role ${role} login password 'console-test' in role ${CONSOLE_ROLE}`,
    `alter role ${role} set statement_timeout = '2s'`,
    `alter role ${role} set work_mem = '8MB'`,
    `alter role ${role} set temp_file_limit = '64MB'`,
  ]) {
    await sql.raw(statement).execute(first.db);
  }
  const url = new URL(String(first.database.url));
  url.username = role;
  url.password = 'console-test';
  await first.app.close();
  const service = await startService(kind, { console: postgresConsole(url.toString()), reuse: first.database });
  await service.engines.start();
  return {
    service,
    login: { role, url: url.toString() },
    async close() {
      await service.close();
      const admin = new pg.Client({ connectionString: process.env.TEST_DATABASE_URL });
      await admin.connect();
      try {
        await admin.query(`drop role if exists ${role}`);
      } finally {
        await admin.end();
      }
    },
  };
}

/** How many console queries the service is executing now, from its /metrics. */
async function consoleQueriesRunning(service: Service): Promise<number> {
  const metrics = await service.request('GET', '/metrics', { as: 'anonymous' });
  return Number(/^translation_console_queries_running(?:\{[^}]*\})? (\d+)$/m.exec(metrics.text)?.[1] ?? 0);
}

/**
 * Sends a console query and, once the service reports it executing, an ordinary request.
 * `servedMeanwhile` says whether the ordinary request was answered before the console query was.
 */
export async function whileConsoleQueryRuns(
  service: Service,
  query: string,
  ordinary: () => Promise<Answer>,
): Promise<{ console: Answer; ordinary: Answer; servedMeanwhile: boolean; sawRunning: boolean }> {
  let settled = false;
  const consoleAnswer = service
    .request('POST', '/sql', { body: { query }, as: 'admin' })
    .finally(() => {
      settled = true;
    });
  let sawRunning = false;
  while (!settled && !sawRunning) {
    sawRunning = (await consoleQueriesRunning(service)) > 0;
    if (!sawRunning) await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const answer = await ordinary();
  const servedMeanwhile = !settled;
  return { console: await consoleAnswer, ordinary: answer, servedMeanwhile, sawRunning };
}
