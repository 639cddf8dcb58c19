import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../src/api/problem';
import { listTranslations, translateStream } from '../src/api/translation';
import { answer, eventStream, invalid, serve, type TranslateEvent } from './fixtures';

afterEach(() => vi.unstubAllGlobals());

const result = { id: 9, text_en: 'Good day. How are you?', engine: 'bergamot', chars: 23, ms: 40 };

describe('translateStream', () => {
  it('reports progress and text, and resolves with the done event’s result', async () => {
    const calls = serve(
      eventStream<TranslateEvent>(
        [
          { event: 'progress', data: { sentencesDone: 0, sentencesTotal: 2 } },
          { event: 'text', data: { text: 'Good day.' } },
          { event: 'progress', data: { sentencesDone: 1, sentencesTotal: 2 } },
          { event: 'text', data: { text: ' How are you?' } },
          { event: 'progress', data: { sentencesDone: 2, sentencesTotal: 2 } },
          { event: 'done', data: result },
        ],
        7, // cut anywhere, also inside events
      ),
    );
    const progress: string[] = [];
    const texts: string[] = [];
    const stored = await translateStream('Guten Tag. Wie geht es?', {
      onProgress: (done, total) => progress.push(`${done}/${total}`),
      onText: (text) => texts.push(text),
    });
    expect(stored).toEqual(result);
    expect(progress).toEqual(['0/2', '1/2', '2/2']);
    expect(texts.join('')).toBe(result.text_en);
    const [call] = calls;
    expect(`${call?.method} ${call?.url.pathname}`).toBe('POST /api/translate/stream');
    expect(JSON.parse(call?.body ?? '')).toEqual({ text_de: 'Guten Tag. Wie geht es?' });
    expect(call?.headers.get('accept')).toBe('text/event-stream');
  });

  it('throws the problem of an error event', async () => {
    serve(
      eventStream<TranslateEvent>([
        { event: 'progress', data: { sentencesDone: 0, sentencesTotal: 3 } },
        {
          event: 'error',
          data: { type: 'about:blank', title: 'Service Unavailable', status: 503, detail: 'no engine ready' },
        },
      ]),
    );
    const error = (await translateStream('Hallo').catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.problem).toMatchObject({ status: 503, detail: 'no engine ready' });
  });

  it('throws the problem+json of a refused request', async () => {
    serve(
      answer(
        '/api/translate/stream',
        'post',
        400,
        invalid({ field: 'body.text_de', message: 'is empty or only whitespace: send German text to translate' }),
      ),
    );
    const error = (await translateStream(' ').catch((e: unknown) => e)) as ApiError;
    expect(error.problem.errors).toEqual([
      { field: 'body.text_de', message: 'is empty or only whitespace: send German text to translate' },
    ]);
  });

  it('says so when the stream stops before done or error', async () => {
    serve(eventStream<TranslateEvent>([{ event: 'progress', data: { sentencesDone: 1, sentencesTotal: 3 } }]));
    await expect(translateStream('Hallo')).rejects.toThrow(/ended before the translation was finished/);
  });

  it('refuses an answer that is not an event stream', async () => {
    serve(answer('/api/translate', 'post', 201, result));
    await expect(translateStream('Hallo')).rejects.toThrow(/instead of text\/event-stream/);
  });
});

describe('listTranslations', () => {
  it('passes the cursor back and leaves out an empty search', async () => {
    const calls = serve(
      answer('/api/translations', 'get', 200, {
        items: [
          {
            id: 3,
            text_de: 'Hallo',
            text_en: 'Hello',
            engine: 'dictionary',
            chars: 5,
            ms: 2,
            userId: 1,
            owner: 'admin',
            createdAt: '2025-03-10T08:00:00.000Z',
            truncated: false,
          },
        ],
        nextCursor: 'next-page',
      }),
    );
    const page = await listTranslations('', 'this-page');
    expect(page.nextCursor).toBe('next-page');
    expect(calls[0]?.url.search).toBe('?cursor=this-page&limit=20');
  });
});
