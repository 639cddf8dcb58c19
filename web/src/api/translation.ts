import { client, data, errorOf, type Operation, type ResponseBody } from './client';
import { ApiError } from './problem';
import { readDeclaredEvents } from './sse';

/** `POST /translate` answer (note 000's field names); also the `done` event of the stream. */
export type TranslationResult = ResponseBody<Operation<'/api/translate', 'post'>, 201>;
/** One stored translation, texts whole. */
export type Translation = ResponseBody<Operation<'/api/translations/{id}', 'get'>, 200>;
/** A History list item: both texts cut to a preview when `truncated`. */
export type TranslationPreview = ResponseBody<Operation<'/api/translations', 'get'>, 200>['items'][number];
export type TranslationPage = ResponseBody<Operation<'/api/translations', 'get'>, 200>;
/** The events of `POST /translate/stream`: `progress`, `text` pieces, then `done` or `error`. */
export type TranslateEvent = ResponseBody<Operation<'/api/translate/stream', 'post'>, 200>;
/** `GET /translate/engine`: which engine translates now, and why not when none can. */
export type EngineInfo = ResponseBody<Operation<'/api/translate/engine', 'get'>, 200>;
export type SqlResult = ResponseBody<Operation<'/api/sql', 'post'>, 200>;

export const TRANSLATE_FIELDS = { text: 'body.text_de' } as const;
export const SQL_FIELDS = { query: 'body.query' } as const;

export const isFallbackEngine = (engine: string | undefined) => engine === 'dictionary';

const ENGINE_LABELS: Record<string, string> = {
  bergamot: 'Bergamot (neural)',
  dictionary: 'Dictionary fallback (word-by-word gloss)',
};

/** The engine's name as shown; the document declares it as a string (see EngineInfo). */
export function engineLabel(engine: string | undefined): string {
  if (!engine) return 'unknown engine';
  return ENGINE_LABELS[engine] ?? engine;
}

export interface StreamHandlers {
  onProgress?: (done: number, total: number) => void;
  /** The next piece of the English text: appended in order, the pieces are exactly `text_en`. */
  onText?: (text: string) => void;
  signal?: AbortSignal;
}

/** Streams a translation; resolves with the stored result, throws ApiError on any failure. */
export async function translateStream(text_de: string, handlers: StreamHandlers = {}): Promise<TranslationResult> {
  const { data: body, error, response } = await client.POST('/api/translate/stream', {
    body: { text_de },
    headers: { Accept: 'text/event-stream' },
    parseAs: 'stream',
    ...(handlers.signal ? { signal: handlers.signal } : {}),
  });
  if (!response.ok) throw errorOf(response, error);
  const type = response.headers.get('content-type') ?? '';
  if (!type.startsWith('text/event-stream') || !body) {
    throw new ApiError({
      type: 'about:blank',
      title: 'Unexpected answer',
      status: response.status,
      detail: `The translation stream answered with ${type || 'no content type'} instead of text/event-stream.`,
    });
  }
  for await (const event of readDeclaredEvents<TranslateEvent>(body)) {
    switch (event.event) {
      case 'progress':
        handlers.onProgress?.(event.data.sentencesDone, event.data.sentencesTotal);
        break;
      case 'text':
        handlers.onText?.(event.data.text);
        break;
      case 'done':
        return event.data;
      case 'error':
        throw new ApiError(event.data);
    }
  }
  throw new ApiError({
    type: 'about:blank',
    title: 'Translation interrupted',
    status: 0,
    detail: 'The stream ended before the translation was finished. Try again.',
  });
}

export const getEngine = () => data(client.GET('/api/translate/engine'));

export const translate = (text_de: string) => data(client.POST('/api/translate', { body: { text_de } }));

/** One page of History, newest first; pass `nextCursor` back for the next. */
export const listTranslations = (q: string, cursor?: string) =>
  data(client.GET('/api/translations', { params: { query: { q: q || undefined, cursor, limit: 20 } } }));

export const getTranslation = (id: number) =>
  data(client.GET('/api/translations/{id}', { params: { path: { id } } }));
export const deleteTranslation = (id: number) =>
  data(client.DELETE('/api/translations/{id}', { params: { path: { id } } }));

export const runSql = (query: string) => data(client.POST('/api/sql', { body: { query } }));
