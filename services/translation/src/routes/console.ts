import { HttpProblem, type ServiceApp } from '@flotilla/kit';
import { executeConsoleQuery } from '../console/executor.js';
import { checkConsoleQuery } from '../console/guard.js';
import { consoleSchema } from '../console/schema.js';
import type { TranslationRouteDeps } from './context.js';
import { SqlBody, SqlRefusals, SqlResult, SqlSchema } from './schemas.js';

export const CONSOLE_NOT_CONFIGURED =
  'the SQL console is not configured: on PostgreSQL set CONSOLE_DATABASE_URL (or CONSOLE_DATABASE_URL_FILE) ' +
  'to a login role that is a member of translation_console_reader and of nothing else';

export function consoleRoutes(app: ServiceApp, deps: TranslationRouteDeps): void {
  app.get(
    '/sql/schema',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'The tables and columns the SQL console may read, and example queries (admin)',
        description:
          "Read from the database's catalog for the tables the console's policy allows; the console " +
          'itself refuses catalog queries. Column descriptions are the columns’ comments.',
        response: { 200: SqlSchema },
      },
    },
    async () => consoleSchema(deps.db),
  );

  app.post(
    '/sql',
    {
      config: { access: 'admin' },
      schema: {
        summary: 'Run one read-only query over the translations table (admin)',
        description:
          "Exactly one SELECT over `translations`, checked by PostgreSQL's parser, run as a read-only " +
          'role in a READ ONLY transaction that is rolled back, stopped after 2 s (422 `timeout`) or ' +
          'when it needs too much memory (422 `too-large`); at most 1,000 rows or 8 MB (`truncated` ' +
          'when there were more). Refusals carry a `reason` member naming the rule.',
        body: SqlBody,
        response: { 200: SqlResult, ...SqlRefusals },
      },
    },
    async (request) => {
      try {
        await checkConsoleQuery(request.body.query);
        if (!deps.console) throw new HttpProblem(503, CONSOLE_NOT_CONFIGURED);
        const result = await executeConsoleQuery(
          deps.console,
          request.body.query,
          deps.consoleLimits,
          deps.metrics.consoleRunning,
        );
        deps.metrics.consoleQueries.inc({ outcome: 'ok' });
        return result;
      } catch (error) {
        const reason =
          error instanceof HttpProblem ? String(error.extensions.reason ?? error.status) : 'error';
        deps.metrics.consoleQueries.inc({ outcome: reason });
        throw error;
      }
    },
  );
}
