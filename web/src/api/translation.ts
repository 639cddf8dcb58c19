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

/** A download of the first start (the neural model or the dictionary), as `GET /translate/engine` tells it. */
export type EngineDownload = NonNullable<EngineInfo['download']>;

/** "7.2 of 16.1 MB (45 %)", or "7.2 MB" while the size is not known. */
export function downloadProgress(download: EngineDownload): string {
  const mb = (bytes: number) => (bytes / 1e6).toLocaleString(undefined, { maximumFractionDigits: 1, minimumFractionDigits: 1 });
  if (!download.totalBytes) return `${mb(download.receivedBytes)} MB`;
  const percent = Math.floor((download.receivedBytes / download.totalBytes) * 100);
  return `${mb(download.receivedBytes)} of ${mb(download.totalBytes)} MB (${percent} %)`;
}

const BOUNDARIES = [
  /\n[ \t]*\n\s*/gu, // a blank line: between paragraphs
  /[.!?…][»«"'”’)\]]*\s+/gu, // after a sentence's end
  /\s+/gu, // between words
];

/**
 * Splits a text into parts the service accepts (`maxChars` each), at paragraph breaks where it
 * can, else after a sentence, else between words: joined, the parts are exactly the text. Lengths
 * are counted in UTF-16 units, never fewer than the service's code points, so no part is refused.
 */
export function splitIntoParts(text: string, maxChars: number): string[] {
  const parts: string[] = [];
  let rest = text;
  while (rest.length > maxChars) {
    const window = rest.slice(0, maxChars);
    let cut = 0;
    for (const boundary of BOUNDARIES) {
      for (const match of window.matchAll(boundary)) cut = match.index + match[0].length;
      if (cut > 0) break;
    }
    // One word longer than the limit: cut it, though never inside a surrogate pair.
    if (cut === 0) cut = /[\uD800-\uDBFF]/u.test(window.at(-1) ?? '') ? maxChars - 1 : maxChars;
    parts.push(rest.slice(0, cut));
    rest = rest.slice(cut);
  }
  if (rest) parts.push(rest);
  return parts;
}

export interface PartsProgress {
  part: number;
  parts: number;
  sentencesDone: number;
  sentencesTotal: number;
  /** Characters of the German text translated so far, of `totalChars`. */
  charsDone: number;
  totalChars: number;
}

/**
 * Translates a text longer than the service takes in one request: part by part through the
 * stream, in order. Resolves with the English text joined, and each part's stored result (each
 * part is one entry in History). Parts of whitespace only are kept as they are.
 */
export async function translateInParts(
  text: string,
  maxChars: number,
  options: { signal?: AbortSignal; onProgress?: (progress: PartsProgress) => void } = {},
): Promise<{ text: string; results: TranslationResult[] }> {
  const parts = splitIntoParts(text, maxChars);
  const english: string[] = [];
  const results: TranslationResult[] = [];
  let charsDone = 0;
  for (const [index, part] of parts.entries()) {
    const report = (sentencesDone: number, sentencesTotal: number) =>
      options.onProgress?.({
        part: index + 1,
        parts: parts.length,
        sentencesDone,
        sentencesTotal,
        charsDone: charsDone + (sentencesTotal ? Math.round((part.length * sentencesDone) / sentencesTotal) : 0),
        totalChars: text.length,
      });
    report(0, 0);
    if (part.trim() === '') {
      english.push(part);
    } else {
      const result = await translateStream(part, {
        onProgress: report,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      english.push(result.text_en);
      results.push(result);
    }
    charsDone += part.length;
  }
  options.onProgress?.({
    part: parts.length,
    parts: parts.length,
    sentencesDone: 0,
    sentencesTotal: 0,
    charsDone: text.length,
    totalChars: text.length,
  });
  return { text: english.join(''), results };
}

export const translate = (text_de: string) => data(client.POST('/api/translate', { body: { text_de } }));

/** One page of History, newest first; pass `nextCursor` back for the next. */
export const listTranslations = (q: string, cursor?: string) =>
  data(client.GET('/api/translations', { params: { query: { q: q || undefined, cursor, limit: 20 } } }));

export const getTranslation = (id: number) =>
  data(client.GET('/api/translations/{id}', { params: { path: { id } } }));
export const deleteTranslation = (id: number) =>
  data(client.DELETE('/api/translations/{id}', { params: { path: { id } } }));

export const runSql = (query: string) => data(client.POST('/api/sql', { body: { query } }));
