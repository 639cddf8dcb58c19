import { testDatabaseKinds } from '@flotilla/kit/testing';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sentencePairs } from '../src/domain/sentence-pairs.js';
import { type Service, startService } from './harness.js';

describe('sentence pairs of a stored translation', () => {
  it('pairs each German sentence with its English one, across lines and paragraphs', () => {
    const de = 'Der Hund schläft. Die Katze läuft.\nDas Haus ist groß.\n\n  Dr. Müller kommt am 3. Mai.  ';
    const en = 'The dog sleeps. The cat runs.\nThe house is big.\n\n  Dr Müller comes on 3 May.  ';
    expect(sentencePairs(de, en)).toEqual([
      { de: 'Der Hund schläft.', en: 'The dog sleeps.', startsParagraph: false },
      { de: 'Die Katze läuft.', en: 'The cat runs.', startsParagraph: false },
      { de: 'Das Haus ist groß.', en: 'The house is big.', startsParagraph: false },
      { de: 'Dr. Müller kommt am 3. Mai.', en: 'Dr Müller comes on 3 May.', startsParagraph: true },
    ]);
  });

  it('pairs lines ended by CRLF and keeps the gaps out of the pairs', () => {
    expect(sentencePairs('  Eins.\r\nZwei.  Drei.\r\n', '  One.\r\nTwo.  Three.\r\n')).toEqual([
      { de: 'Eins.', en: 'One.', startsParagraph: false },
      { de: 'Zwei.', en: 'Two.', startsParagraph: false },
      { de: 'Drei.', en: 'Three.', startsParagraph: false },
    ]);
  });

  it('pairs every sentence of a long text of many paragraphs', () => {
    const de = Array.from({ length: 500 }, (_, i) => `Absatz ${i}. Der Hund schläft.`).join('\n\n');
    const en = Array.from({ length: 500 }, (_, i) => `Paragraph ${i}. The dog sleeps.`).join('\n\n');
    const pairs = sentencePairs(de, en);
    expect(pairs).toHaveLength(1000);
    expect(pairs[998]).toEqual({ de: 'Absatz 499.', en: 'Paragraph 499.', startsParagraph: true });
    expect(pairs[999]).toEqual({ de: 'Der Hund schläft.', en: 'The dog sleeps.', startsParagraph: false });
  });

  it('keeps a line whole when its English does not cut into as many sentences', () => {
    // The engine made one English sentence of two German ones: the line is one pair.
    expect(sentencePairs('Ja. Gut.\nNein.', 'Yes, good.\nNo.')).toEqual([
      { de: 'Ja. Gut.', en: 'Yes, good.', startsParagraph: false },
      { de: 'Nein.', en: 'No.', startsParagraph: false },
    ]);
  });

  it('gives one pair when the texts do not line up (fewer lines in English)', () => {
    expect(sentencePairs('Eins.\nZwei.', 'One. Two.')).toEqual([
      { de: 'Eins.\nZwei.', en: 'One. Two.', startsParagraph: false },
    ]);
  });
});

describe.each(testDatabaseKinds())('history on %s', (kind) => {
  let service: Service;
  beforeAll(async () => {
    service = await startService(kind);
    await service.engines.start();
  });
  afterAll(async () => service?.close());

  it('names who made each translation in the list and by id, and pairs its sentences', async () => {
    const text = 'Der Hund schläft. Die Katze läuft.\n\nDas Haus ist groß.';
    const mine = (await service.request('POST', '/translate', { body: { text_de: text } })).body.id;
    const bobs = (await service.request('POST', '/translate', { body: { text_de: 'Das Haus.' }, as: 'bob' })).body.id;
    // Shared history: alice sees bob's too, each with its owner.
    const list = await service.request('GET', '/translations');
    expect(list.body.items.map((item: { id: number; owner: string }) => [item.id, item.owner])).toEqual([
      [bobs, 'bob'],
      [mine, 'alice'],
    ]);
    const one = await service.request('GET', `/translations/${mine}`, { as: 'bob' });
    expect(one.body).toMatchObject({ owner: 'alice', userId: 1 });
    expect(one.body.sentences).toEqual([
      { de: 'Der Hund schläft.', en: 'The dog sleeps.', startsParagraph: false },
      { de: 'Die Katze läuft.', en: 'The cat runs.', startsParagraph: false },
      { de: 'Das Haus ist groß.', en: 'The house is big.', startsParagraph: true },
    ]);
  });

  it('pairs a translation stored without an owner, and one whose texts do not line up', async () => {
    const row = await sql<{ id: number }>`
      insert into translations (text_de, text_en, engine, chars, ms)
      values ('Eins.' || chr(10) || 'Zwei.', 'One and two.', 'dictionary', 11, 1) returning id::float8 as id`.execute(
      service.db,
    );
    const id = row.rows[0]?.id;
    const answer = await service.request('GET', `/translations/${id}`);
    expect(answer.body).toMatchObject({ owner: null, userId: null });
    expect(answer.body.sentences).toEqual([{ de: 'Eins.\nZwei.', en: 'One and two.', startsParagraph: false }]);
  });
});
