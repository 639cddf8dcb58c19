import { beforeAll, describe, expect, it } from 'vitest';
import { germanKey, parseDingLine, splitTopLevel } from '../src/engines/dictionary/ding-format.js';
import { Glosser } from '../src/engines/dictionary/gloss.js';
import { buildLexicon } from '../src/engines/dictionary/lexicon.js';
import type { DictionaryEngine } from '../src/engines/dictionary-engine.js';
import { realDictionary } from './helpers.js';

// Lines in the Ding format, shaped like the real file's entries.
const FIXTURE = [
  '# comment',
  'Hund {m} [zool.] | Hunde {pl} | einen Hund abrichten :: dog | dogs | to train a dog',
  'Hund {m} :: canine',
  'Förderwagen {m}; Hund {m} [min.] | Förderwagen {pl}; Hunde {pl} :: tub | tubs',
  'spielen {vt} {vi} | spielend | gespielt | er/sie spielt | ich/er/sie spielte :: to play | playing | played | he/she plays | I/he/she played',
  'der {art} (des; dem; den) :: the',
  'Garten {m} | Gärten {pl} :: garden | gardens',
  'Bahnhof {m} | Bahnhöfe {pl} :: station | stations',
  'Uhr {f} | Uhren {pl} :: clock | clocks',
  'essen {vt} | essend | gegessen :: to eat | eating | eaten',
  'Essen {n} :: food',
  'kaputt {adj} :: broken',
  'im Großen und Ganzen :: by and large',
].join('\n');

describe('Ding format', () => {
  it('splits only outside brackets', () => {
    expect(splitTopLevel('der {art} (des; dem; den); die', '; ')).toEqual([
      'der {art} (des; dem; den)',
      'die',
    ]);
  });

  it('pairs German and English sub-entries', () => {
    const entry = parseDingLine('Uhr {f} | Uhren {pl} :: clock | clocks');
    expect(entry?.de.subEntries).toEqual([['Uhr {f}'], ['Uhren {pl}']]);
    expect(entry?.en.subEntries).toEqual([['clock'], ['clocks']]);
    expect(parseDingLine('# Version :: devel')).toBeUndefined();
  });

  it('turns synonyms into lookup keys', () => {
    expect(germanKey('Hund {m} [zool.]')).toMatchObject({
      phrase: 'hund',
      capitalised: true,
      conjugated: false,
    });
    expect(germanKey('er/sie spielt')).toMatchObject({ phrase: 'spielt', conjugated: true });
    expect(germanKey('etw. ergeben')).toMatchObject({ phrase: 'ergeben' });
    expect(germanKey('haben/vorhaben')).toBeUndefined();
    // Its words never stand side by side in a sentence, so it is no phrase "zu machen".
    expect(germanKey('etw. zu etw. machen')).toBeUndefined();
    expect(germanKey('jdm. etw. sagen')).toMatchObject({ phrase: 'sagen' });
  });
});

describe('glossing over a small lexicon', () => {
  const { lexicon } = buildLexicon(FIXTURE);
  const glosser = new Glosser(lexicon);

  it('prefers the headword sense of a rich entry over rarer ones', () => {
    expect(lexicon.lookup('hund', true)).toBe('dog');
    expect(lexicon.lookup('hunde', true)).toBe('dogs');
  });

  it('uses the conjugated forms listed in the dictionary, without the pronouns', () => {
    expect(glosser.glossSentence('Der Hund spielt.')).toBe('The dog plays.');
    expect(glosser.glossSentence('Der Hund spielte.')).toBe('The dog played.');
  });

  it('keeps nouns and verbs with the same spelling apart', () => {
    expect(glosser.glossWord('Essen', false)).toBe('food');
    expect(glosser.glossWord('essen', false)).toBe('eat');
  });

  it('splits compounds with a Fugen-s and inflected heads', () => {
    expect(glosser.glossWord('Bahnhofsuhr', false)).toBe('station clock');
    expect(glosser.glossWord('Bahnhofsuhren', false)).toBe('station clocks');
    expect(glosser.glossWord('Gartenhund', false)).toBe('garden dog');
  });

  it('matches the longest phrase first', () => {
    expect(glosser.glossSentence('Im Großen und Ganzen kaputt')).toBe('By and large broken');
  });

  it('passes unknown words, punctuation and spacing through', () => {
    expect(glosser.glossSentence('„Xylophonia“ —  kaputt?!')).toBe('„Xylophonia“ —  broken?!');
  });
});

describe('DictionaryEngine on the Ding dictionary', () => {
  let engine: DictionaryEngine;
  beforeAll(async () => {
    engine = await realDictionary();
  });

  it('loads the full dictionary', () => {
    expect(engine.stats.lines).toBeGreaterThan(100_000);
    expect(engine.status()).toMatchObject({ ready: true });
    expect(engine.status().reason).toMatch(/fallback/);
  });

  // Expected glosses checked by hand against /usr/share/trans/de-en (Hund, spielen, Garten,
  // Bahnhof + Uhr, kaputt, Kind/Kinder, heute).
  it.each([
    ['Der Hund spielt im Garten.', 'The dog plays in the garden.'],
    ['Die Bahnhofsuhr ist kaputt.', 'The station clock is broken.'],
    ['Die Kinder spielten mit den Hunden.', 'The children played with the dogs.'],
    ['Heute ist der Hund im Garten!', 'Today the dog is in the garden!'],
    ['Xylophonia ist kaputt.', 'Xylophonia is broken.'],
    // Phrase entries carry their own final mark ("Guten Morgen! :: Good morning!"); the
    // sentence's mark is kept once, not twice.
    ['Guten Morgen!', 'Good morning!'],
    ['Wie geht es dir?', 'How are you?'],
  ])('glosses %s', async (german, english) => {
    expect(await engine.translateBatch([german])).toEqual([english]);
  });

  it('honours an aborted signal', async () => {
    await expect(engine.translateBatch(['Hund'], AbortSignal.abort())).rejects.toThrow();
  });
});
