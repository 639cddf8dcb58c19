import { afterEach, describe, expect, it, vi } from 'vitest';
import { ApiError } from '../src/api/problem';
import { interpretEvent, translateStream } from '../src/api/translation';

const ev = (event: string, data: unknown) => ({
  event,
  data: typeof data === 'string' ? data : JSON.stringify(data),
  id: undefined,
});

function sseResponse(chunks: string[], status = 200) {
  const encoder = new TextEncoder();
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(encoder.encode(chunk));
      controller.close();
    },
  });
  return new Response(body, { status, headers: { 'content-type': 'text/event-stream' } });
}

describe('interpretEvent', () => {
  it('reads progress in either naming', () => {
    expect(interpretEvent(ev('progress', { done: 2, total: 5 }))).toEqual({
      kind: 'progress',
      done: 2,
      total: 5,
      text: undefined,
    });
    expect(
      interpretEvent(ev('progress', { sentencesDone: 1, sentencesTotal: 2, batch: ['Hello.', 'World.'] })),
    ).toEqual({
      kind: 'progress',
      done: 1,
      total: 2,
      text: 'Hello. World.',
    });
  });

  it('reads text chunks as JSON or plain text', () => {
    expect(interpretEvent(ev('text', { text: 'Good day.' }))).toEqual({ kind: 'text', text: 'Good day.' });
    expect(interpretEvent(ev('text', 'plain'))).toEqual({ kind: 'text', text: 'plain' });
  });

  it('reads the result, also when the event type is inside the data', () => {
    const result = { id: 4, text_en: 'Hello', engine: 'dictionary', chars: 5, ms: 3 };
    expect(interpretEvent(ev('done', result))).toEqual({ kind: 'done', result });
    expect(interpretEvent(ev('message', { type: 'done', result }))).toEqual({ kind: 'done', result });
  });

  it('turns an error event into a problem', () => {
    const update = interpretEvent(
      ev('error', { title: 'Service Unavailable', status: 503, detail: 'no engine' }),
    );
    expect(update).toMatchObject({ kind: 'error', problem: { status: 503, detail: 'no engine' } });
  });

  it('ignores what it does not know', () => {
    expect(interpretEvent(ev('ping', ''))).toEqual({ kind: 'ignored' });
  });
});

describe('translateStream', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('reports progress and text, and resolves with the result', async () => {
    const fetchMock = vi.fn(async () =>
      sseResponse([
        'event: progress\ndata: {"done":0,"total":2}\n\n',
        'event: progress\ndata: {"done":1,"total":2,"text":"Good day."}\n\nevent: prog',
        'ress\ndata: {"done":2,"total":2,"text":"How are you?"}\n\n',
        'event: done\ndata: {"id":9,"text_en":"Good day. How are you?","engine":"bergamot"}\n\n',
      ]),
    );
    vi.stubGlobal('fetch', fetchMock);
    const progress: string[] = [];
    const texts: string[] = [];
    const result = await translateStream('Guten Tag. Wie geht es?', {
      onProgress: (done, total) => progress.push(`${done}/${total}`),
      onText: (text) => texts.push(text),
    });
    expect(result).toEqual({ id: 9, text_en: 'Good day. How are you?', engine: 'bergamot' });
    expect(progress).toEqual(['0/2', '1/2', '2/2']);
    expect(texts).toEqual(['Good day.', 'How are you?']);
    const [url, init] = fetchMock.mock.calls[0] as unknown as [string, RequestInit];
    expect(url).toBe('/api/translate/stream');
    expect(init.method).toBe('POST');
    expect(JSON.parse(String(init.body))).toEqual({ text_de: 'Guten Tag. Wie geht es?' });
    expect((init.headers as Record<string, string>).Accept).toBe('text/event-stream');
  });

  it('throws the problem of an error event', async () => {
    vi.stubGlobal('fetch', async () =>
      sseResponse([
        'event: error\ndata: {"title":"Service Unavailable","status":503,"detail":"no engine ready"}\n\n',
      ]),
    );
    const error = (await translateStream('Hallo').catch((e: unknown) => e)) as ApiError;
    expect(error).toBeInstanceOf(ApiError);
    expect(error.problem.detail).toBe('no engine ready');
  });

  it('throws the problem+json of a refused request', async () => {
    vi.stubGlobal(
      'fetch',
      async () =>
        new Response(
          JSON.stringify({
            type: 'about:blank',
            title: 'Bad Request',
            status: 400,
            detail: 'body.text_de is required',
          }),
          {
            status: 400,
            headers: { 'content-type': 'application/problem+json' },
          },
        ),
    );
    await expect(translateStream('')).rejects.toThrow('body.text_de is required');
  });

  it('says so when the stream stops before the result', async () => {
    vi.stubGlobal('fetch', async () => sseResponse(['event: progress\ndata: {"done":1,"total":3}\n\n']));
    await expect(translateStream('Hallo')).rejects.toThrow(/ended before the translation was finished/);
  });
});
