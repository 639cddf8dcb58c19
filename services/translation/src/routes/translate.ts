import { type ServiceApp, toProblem } from '@flotilla/kit';
import { streamLayout } from '../domain/stream-layout.js';
import { checkText, translateAndStore } from '../domain/translate.js';
import { segmentText } from '../engines/segment.js';
import { callerOf, type TranslationRouteDeps } from './context.js';
import { EngineInfo, TranslateBody, TranslationResult } from './schemas.js';

export function translateRoutes(app: ServiceApp, deps: TranslationRouteDeps): void {
  app.get(
    '/translate/engine',
    {
      schema: {
        summary: 'Which engine translates, and whether it is ready (or how to make it so)',
        response: { 200: EngineInfo },
      },
    },
    async () => deps.engines.info(),
  );

  app.post(
    '/translate',
    {
      schema: {
        summary: 'Translate German text to English and store it',
        body: TranslateBody,
        response: { 201: TranslationResult },
      },
    },
    async (request, reply) => {
      const result = await translateAndStore(deps, {
        textDe: request.body.text_de,
        caller: callerOf(request),
      });
      return reply.code(201).send(result);
    },
  );

  app.post(
    '/translate/stream',
    {
      schema: {
        summary: 'Translate with server-sent events: progress, text as produced, then done (or error)',
        description:
          'Events: `progress` {sentencesDone, sentencesTotal}; `text` {text} — appended in order they ' +
          'give text_en exactly; `done` {id, text_en, engine, chars, ms}; `error` (a problem document). ' +
          'Closing the connection cancels the translation and nothing is stored.',
        body: TranslateBody,
        produces: ['text/event-stream'],
      },
    },
    async (request, reply) => {
      const text = request.body.text_de;
      // Refusals that need no work are ordinary problem responses, before the stream starts.
      checkText(text);
      deps.engines.current();
      const layout = streamLayout(segmentText(text));

      const controller = new AbortController();
      const raw = reply.raw;
      // The response closing before we ended it means the client went away. (The request's own
      // 'close' fires once its body has been read, which for a POST is before any work.)
      raw.on('close', () => {
        if (!raw.writableEnded) controller.abort(new DOMException('client disconnected', 'AbortError'));
      });
      reply.hijack();
      raw.writeHead(200, {
        ...headersOf(reply.getHeaders()),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        'x-accel-buffering': 'no',
        connection: 'keep-alive',
      });
      const send = (event: string, data: unknown) => {
        if (!raw.writableEnded && !raw.destroyed)
          raw.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
      };

      send('progress', { sentencesDone: 0, sentencesTotal: layout.total });
      try {
        const result = await translateAndStore(deps, {
          textDe: text,
          caller: callerOf(request),
          signal: controller.signal,
          onProgress: (progress) => {
            send('progress', {
              sentencesDone: progress.sentencesDone,
              sentencesTotal: progress.sentencesTotal,
            });
            const chunk = layout.push(progress.batch);
            if (chunk) send('text', { text: chunk });
          },
        });
        const tail = layout.finish();
        if (tail) send('text', { text: tail });
        send('done', result);
      } catch (error) {
        if (controller.signal.aborted) {
          request.log.info({ reason: 'client disconnected' }, 'translation stream cancelled; nothing stored');
        } else {
          const problem = toProblem(error, request.id);
          if (problem.status >= 500) request.log.error({ err: error }, 'translation stream failed');
          send('error', problem.toJSON(request.url));
        }
      } finally {
        if (!raw.writableEnded) raw.end();
      }
    },
  );
}

function headersOf(
  headers: Record<string, string | number | string[] | undefined>,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value !== undefined) out[name] = Array.isArray(value) ? value : String(value);
  }
  return out;
}
