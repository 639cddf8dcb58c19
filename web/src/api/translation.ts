import { api, errorFrom, type Page, send, toPage } from './client';
import { ApiError, type Problem, toProblem } from './problem';
import { readEvents, type SseEvent } from './sse';

export type EngineName = 'bergamot' | 'dictionary' | 'unavailable' | (string & {});

/** `POST /translate` answer, note 000's field names. */
export interface TranslationResult {
  id: number | string;
  text_en: string;
  engine: EngineName;
  chars?: number;
  ms?: number;
}

export interface Translation extends TranslationResult {
  text_de: string;
  /** History lists cut both texts to a preview; GET /translations/{id} has them whole. */
  truncated?: boolean;
  createdAt?: string;
  created_at?: string;
  /** Who asked for it: the services may name it any of these. */
  userId?: number | string | null;
  user_id?: number | string | null;
  owner?: string | null;
  username?: string;
}

export const isFallbackEngine = (engine: EngineName | undefined) => engine === 'dictionary';

export function engineLabel(engine: EngineName | undefined): string {
  if (engine === 'bergamot') return 'Bergamot (neural)';
  if (engine === 'dictionary') return 'Dictionary fallback (word-by-word gloss)';
  if (!engine) return 'unknown engine';
  return engine;
}

export type StreamUpdate =
  | { kind: 'progress'; done: number; total: number; text: string | undefined }
  | { kind: 'text'; text: string }
  | { kind: 'done'; result: TranslationResult }
  | { kind: 'error'; problem: Problem }
  | { kind: 'ignored' };

const num = (value: unknown): number | undefined =>
  typeof value === 'number' && Number.isFinite(value) ? value : undefined;

function parseData(data: string): unknown {
  try {
    return JSON.parse(data);
  } catch {
    return data;
  }
}

/** Text a progress or text event carried: `text`, `chunk`, `delta` or a `batch` of sentences. */
function carriedText(record: Record<string, unknown>): string | undefined {
  for (const key of ['text', 'chunk', 'delta', 'text_en']) {
    const value = record[key];
    if (typeof value === 'string') return value;
  }
  return undefined;
}

/**
 * What one event of `POST /translate/stream` means. Progress counts sentences done of the
 * total; text events carry the translation as it is produced; the last event is the stored
 * result (or a problem).
 */
export function interpretEvent(event: SseEvent): StreamUpdate {
  const data = parseData(event.data);
  const record = typeof data === 'object' && data !== null ? (data as Record<string, unknown>) : undefined;
  const kind = event.event !== 'message' ? event.event : typeof record?.type === 'string' ? record.type : '';
  if (kind === 'error') {
    return { kind: 'error', problem: toProblem(num(record?.status) ?? 500, 'Translation failed', data) };
  }
  if (kind === 'done' || kind === 'result' || kind === 'complete' || kind === 'end') {
    const result = (record?.result ?? record) as TranslationResult | undefined;
    if (result && typeof result.text_en === 'string') return { kind: 'done', result };
    return { kind: 'ignored' };
  }
  if (kind === 'progress' && record) {
    const done = num(record.done) ?? num(record.sentencesDone) ?? num(record.sentences_done);
    const total = num(record.total) ?? num(record.sentencesTotal) ?? num(record.sentences_total);
    const batch = Array.isArray(record.batch) ? record.batch.filter((s) => typeof s === 'string') : undefined;
    if (done !== undefined && total !== undefined)
      return { kind: 'progress', done, total, text: carriedText(record) ?? batch?.join(' ') };
    return { kind: 'ignored' };
  }
  if (kind === 'text' || kind === 'chunk' || kind === 'partial' || kind === 'delta') {
    const text = record ? carriedText(record) : typeof data === 'string' ? data : undefined;
    return text === undefined ? { kind: 'ignored' } : { kind: 'text', text };
  }
  return { kind: 'ignored' };
}

export interface StreamHandlers {
  onProgress?: (done: number, total: number) => void;
  onText?: (text: string) => void;
  signal?: AbortSignal;
}

/** Streams a translation; resolves with the stored result, throws ApiError on any failure. */
export async function translateStream(
  text_de: string,
  handlers: StreamHandlers = {},
): Promise<TranslationResult> {
  const response = await send('POST', '/translate/stream', {
    body: { text_de },
    headers: { Accept: 'text/event-stream' },
    ...(handlers.signal ? { signal: handlers.signal } : {}),
  });
  if (!response.ok) throw await errorFrom(response);
  const type = response.headers.get('content-type') ?? '';
  if (!type.includes('text/event-stream') || !response.body) {
    // Some proxies buffer and answer JSON; accept a plain result too.
    const body: unknown = await response.json().catch(() => undefined);
    if (body && typeof (body as TranslationResult).text_en === 'string') return body as TranslationResult;
    throw new ApiError({
      type: 'about:blank',
      title: 'Unexpected answer',
      status: response.status,
      detail: `The translation stream answered with ${type || 'no content type'} instead of text/event-stream.`,
    });
  }
  for await (const event of readEvents(response.body)) {
    const update = interpretEvent(event);
    if (update.kind === 'progress') {
      handlers.onProgress?.(update.done, update.total);
      if (update.text !== undefined) handlers.onText?.(update.text);
    } else if (update.kind === 'text') handlers.onText?.(update.text);
    else if (update.kind === 'error') throw new ApiError(update.problem);
    else if (update.kind === 'done') return update.result;
  }
  throw new ApiError({
    type: 'about:blank',
    title: 'Translation interrupted',
    status: 0,
    detail: 'The stream ended before the translation was finished. Try again.',
  });
}

/** `GET /translate/engine`: which engine translates now, and why not when none can. */
export interface EngineInfo {
  name: EngineName | 'loading';
  kind: 'neural' | 'fallback' | 'none' | 'loading' | (string & {});
  ready: boolean;
  reason: string;
}

export const getEngine = () => api.get<EngineInfo>('/translate/engine');

export const translate = (text_de: string) => api.post<TranslationResult>('/translate', { text_de });

export async function listTranslations(q: string, cursor?: string): Promise<Page<Translation>> {
  return toPage<Translation>(await api.get<unknown>('/translations', { query: { q, cursor, limit: 20 } }));
}

export const getTranslation = (id: string | number) => api.get<Translation>(`/translations/${id}`);
export const deleteTranslation = (id: string | number) => api.delete(`/translations/${id}`);

export interface SqlResult {
  columns: Array<string | { name: string }>;
  rows: Array<Record<string, unknown> | unknown[]>;
  rowCount: number;
  truncated: boolean;
  ms: number;
}

export const runSql = (query: string) => api.post<SqlResult>('/sql', { query });
