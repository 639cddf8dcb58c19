import { openEventStream, type ServiceApp } from '@flotilla/kit';
import { MAX_TEXT_CHARS, prepareStreamedTranslation, translateAndStore } from '../domain/translate.js';
import { callerOf, type TranslationRouteDeps } from './context.js';
import { EngineInfo, TranslateBody, TranslationResult, TranslationStream } from './schemas.js';

export function translateRoutes(app: ServiceApp, deps: TranslationRouteDeps): void {
  app.get(
    '/translate/engine',
    {
      // Public, like /readyz, which says the same.
      config: { access: 'public' },
      schema: {
        summary: 'Which engine translates, whether it is ready (or how to make it so), any download under way, and the longest text accepted',
        response: { 200: EngineInfo },
      },
    },
    async () => ({ ...deps.engines.info(), maxChars: MAX_TEXT_CHARS }),
  );

  app.post(
    '/translate',
    {
      config: { access: 'viewer' },
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
      config: { access: 'viewer' },
      schema: {
        summary: 'Translate with server-sent events: progress, text as produced, then done (or error)',
        description:
          'Events: `progress` {sentencesDone, sentencesTotal} (first 0 of the total); `text` {text}, ' +
          'pieces that, appended in order, give text_en exactly (layout included); then `done` ' +
          '{id, text_en, engine, chars, ms} or `error` (a problem document: an engine failing ' +
          'mid-text is a 503 naming it). Bad text (400) and a missing engine (503) are refused ' +
          'before the stream opens. Closing the connection cancels the translation; nothing is stored.',
        body: TranslateBody,
        response: { 200: TranslationStream },
      },
    },
    async (request, reply) => {
      // Refusals that need no work are ordinary problem responses, before the stream opens.
      const translation = prepareStreamedTranslation(deps, request.body.text_de);
      const stream = openEventStream(request, reply);
      try {
        const result = await translation.run({
          caller: callerOf(request),
          signal: stream.signal,
          listener: {
            progress: (progress) => stream.send('progress', progress),
            text: (text) => stream.send('text', { text }),
          },
        });
        stream.done(result);
      } catch (error) {
        if (!stream.signal.aborted) return stream.fail(error);
        request.log.info({ reason: 'client disconnected' }, 'translation stream cancelled; nothing stored');
        stream.end();
      }
    },
  );
}
