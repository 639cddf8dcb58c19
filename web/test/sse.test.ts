import { describe, expect, it } from 'vitest';
import { ApiError } from '../src/api/problem';
import { readDeclaredEvents, readEvents, SseParser } from '../src/api/sse';

const streamOf = (chunks: Uint8Array[]) =>
  new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(chunk);
      controller.close();
    },
  });

async function collect(stream: ReadableStream<Uint8Array>) {
  const events = [];
  for await (const event of readEvents(stream)) events.push(event);
  return events;
}

describe('SseParser', () => {
  it('parses named events with JSON data', () => {
    const parser = new SseParser();
    const events = parser.push('event: progress\ndata: {"sentencesDone":1,"sentencesTotal":3}\n\nevent: done\ndata: {}\n\n');
    expect(events).toEqual([
      { event: 'progress', data: '{"sentencesDone":1,"sentencesTotal":3}', id: undefined },
      { event: 'done', data: '{}', id: undefined },
    ]);
  });

  it('joins multi-line data, ignores comments and unknown fields, defaults to message', () => {
    const parser = new SseParser();
    const events = parser.push(': keep-alive\nretry: 1000\ndata: one\ndata:two\nfoo: bar\n\n');
    expect(events).toEqual([{ event: 'message', data: 'one\ntwo', id: undefined }]);
  });

  it('handles events cut anywhere across chunks, CRLF split between chunks included', () => {
    const text = 'event: text\r\ndata: Guten\r\n\r\nevent: text\r\ndata: Tag\r\n\r\n';
    for (let cut = 1; cut < text.length; cut += 1) {
      const parser = new SseParser();
      const events = [...parser.push(text.slice(0, cut)), ...parser.push(text.slice(cut))];
      expect(
        events.map((e) => e.data),
        `cut at ${cut}`,
      ).toEqual(['Guten', 'Tag']);
    }
  });

  it('accepts lone CR line endings and a leading BOM', () => {
    const parser = new SseParser();
    expect(parser.push('\uFEFFdata: a\r\rdata: b\r\r')).toEqual([
      { event: 'message', data: 'a', id: undefined },
      { event: 'message', data: 'b', id: undefined },
    ]);
  });

  it('keeps the last id and skips events without data', () => {
    const parser = new SseParser();
    expect(parser.push('id: 7\nevent: ping\n\ndata: x\n\n')).toEqual([
      { event: 'message', data: 'x', id: '7' },
    ]);
  });

  it('drops an event that the stream ended before finishing', () => {
    const parser = new SseParser();
    expect(parser.push('data: half')).toEqual([]);
    expect(parser.end()).toEqual([]);
  });
});

describe('readEvents', () => {
  it('decodes UTF-8 split inside a character', async () => {
    const bytes = new TextEncoder().encode('data: Größe\n\n');
    const split = bytes.indexOf(0xc3) + 1; // between the two bytes of "ö"
    const events = await collect(streamOf([bytes.slice(0, split), bytes.slice(split)]));
    expect(events).toEqual([{ event: 'message', data: 'Größe', id: undefined }]);
  });
});

describe('readDeclaredEvents', () => {
  const bytes = (text: string) => new TextEncoder().encode(text);

  it('parses each event’s JSON data and keeps its id', async () => {
    const events = [];
    for await (const event of readDeclaredEvents(streamOf([bytes('id: 4\nevent: progress\ndata: {"stepsDone":1}\n\n')])))
      events.push(event);
    expect(events).toEqual([{ event: 'progress', data: { stepsDone: 1 }, id: '4' }]);
  });

  it('fails the stream when data is not JSON (kit always sends JSON)', async () => {
    const read = async () => {
      for await (const _ of readDeclaredEvents(streamOf([bytes('event: text\ndata: plain\n\n')]))) {
        // nothing
      }
    };
    await expect(read()).rejects.toBeInstanceOf(ApiError);
  });
});
