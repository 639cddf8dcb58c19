import { beforeAll, describe, expect, it } from 'vitest';
import { englishFrequency, glossRarity } from '../src/engines/dictionary/english-frequency.js';
import { Glosser } from '../src/engines/dictionary/gloss.js';
import { buildLexicon } from '../src/engines/dictionary/lexicon.js';
import { englishNumbers } from '../src/engines/dictionary/numbers.js';
import { ALL_RULES } from '../src/engines/dictionary/rules.js';
import { thirdPerson } from '../src/engines/dictionary/separable.js';
import type { DictionaryEngine } from '../src/engines/dictionary-engine.js';
import { realDictionary } from './helpers.js';

describe('English word frequency', () => {
  const frequency = englishFrequency([
    { word: 'the', count: 1000 },
    { word: 'big', count: 100 },
    { word: 'Big', count: 50 },
    { word: 'mainstream', count: 1 },
  ]);

  it('ranks common words as less rare, whatever their case', () => {
    expect(frequency.rarity('the')).toBe(0);
    expect(frequency.rarity('big')).toBeCloseTo(Math.log10(1000 / 150));
    expect(frequency.rarity('mainstream')).toBeGreaterThan(frequency.rarity('big'));
    expect(frequency.rarity('xylophonia')).toBeGreaterThan(frequency.rarity('mainstream'));
  });

  it('rates a gloss by its rarest word, and a longer gloss as rarer', () => {
    expect(glossRarity(frequency, 'big')).toBe(frequency.rarity('big'));
    expect(glossRarity(frequency, 'the big')).toBeGreaterThan(glossRarity(frequency, 'big'));
    expect(glossRarity(frequency, 'the big')).toBeLessThan(glossRarity(frequency, 'mainstream') + 2);
  });

  it('picks the common sense of a word the dictionary lists alphabetically', () => {
    const ding = [
      'groß; breit {adj} | die großen Parteien :: mainstream | the mainstream parties',
      'groß {adj} :: big',
    ].join('\n');
    expect(buildLexicon(ding).lexicon.lookup('groß', false)).toBe('mainstream');
    expect(buildLexicon(ding, frequency).lexicon.lookup('groß', false)).toBe('big');
  });
});

describe('German numbers, times and dates', () => {
  it.each([
    ['2,3 Milliarden', '2.3 Milliarden'],
    ['1.200 Einwohner', '1,200 Einwohner'],
    ['1.234.567,89 Euro', '1,234,567.89 Euro'],
    ['gegen 9:30 Uhr', 'gegen 9:30'],
    ['kurz nach 11.00 Uhr', 'kurz nach 11:00'],
    ['um 9 Uhr', "um 9 o'clock"],
    ['am 3. Mai 1990', 'am 3 Mai 1990'],
    ['der 28-jährige Vidal', 'der 28-year-old Vidal'],
    ['4 Mio. Menschen', '4 million Menschen'],
    ['Hunde, z. B. Pudel', 'Hunde, zum Beispiel Pudel'],
    ['um 500 v. Chr. gebaut', 'um 500 BC gebaut'],
  ])('%s → %s', (german, english) => {
    expect(englishNumbers(german)).toBe(english);
  });

  it('leaves dates, scores and plain numbers alone', () => {
    for (const text of ['am 1.1.2020', 'bei 7:2', 'seit 1995-96', '76 Punkte']) expect(englishNumbers(text)).toBe(text);
  });
});

describe('third person of a verb gloss', () => {
  it.each([
    ['arrive', 'arrives'],
    ['begin', 'begins'],
    ['watch', 'watches'],
    ['carry', 'carries'],
    ['come along', 'comes along'],
  ])('%s → %s', (gloss, english) => {
    expect(thirdPerson(gloss)).toBe(english);
  });
});

describe('compound splitting can be switched off for measuring', () => {
  const ding = ['Bahnhof {m} :: station', 'Uhr {f} :: clock'].join('\n');
  const { lexicon } = buildLexicon(ding);

  it('glosses the parts with it and passes the word through without it', () => {
    expect(new Glosser(lexicon).glossWord('Bahnhofsuhr', false)).toBe('station clock');
    expect(new Glosser(lexicon, { ...ALL_RULES, compounds: false }).glossWord('Bahnhofsuhr', false)).toBe('Bahnhofsuhr');
  });
});

// Each example checked by hand against the real Ding dictionary's entries.
describe('the rules on the real Ding dictionary', () => {
  let engine: DictionaryEngine;
  beforeAll(async () => {
    engine = await realDictionary();
  });

  const cases: [rule: string, german: string, english: string][] = [
    ['sense choice: the common sense of groß', 'Das ist ein großes Problem.', 'That is a big problem.'],
    ['separable verb: kommt … an', 'Der Zug kommt morgen an.', 'The train arrives tomorrow.'],
    ['zu inside a separable infinitive', 'Er hat beschlossen, zurückzukehren.', 'He has decided, to return.'],
    ['verb-final clause after dass', 'Ich weiß, dass der Hund im Garten schläft.', 'I know, that the dog sleeps in the garden.'],
    ['verb-final clause, subject a pronoun', 'Er sagt, dass er müde ist.', 'He says, that he is tired.'],
    ['relative clause', 'Der Hund, der im Garten spielt, ist klein.', 'The dog, which plays in the garden, is small.'],
    ['participle next to its auxiliary', 'Ich habe das Buch gelesen.', 'I have read the book.'],
    ['verb-second after an adverb', 'Heute ist der Hund im Garten.', 'Today the dog is in the garden.'],
    ['verb-second with an auxiliary and a name', 'Gestern hat Frisch gewonnen.', 'Yesterday Frisch has won.'],
    ['infinitive clause after a comma', 'Er versuchte, das Fenster zu öffnen.', 'He tried, to open the window.'],
    ['preposition before a weekday and a place', 'Am Montag fuhr er nach Berlin.', 'On Monday he drove to Berlin.'],
    ['es gibt', 'Es gibt viele Hunde im Garten.', 'There is many dogs in the garden.'],
    ['unlisted past tense through the infinitive', 'Er sagte, dass er müde ist.', 'He said, that he is tired.'],
    ['unlisted present tense through the infinitive', 'Sie meldet einen Fehler.', 'She reports a mistake.'],
    ['dative plural', 'Die Kinder spielten mit den Hunden.', 'The children played with the dogs.'],
    ['superlative', 'Das ist der wichtigste Tag.', 'That is the most important day.'],
    ['abbreviation written out', 'Es gibt z. B. Hunde.', 'There is for example dogs.'],
    ['sie with a plural verb', 'Sie haben einen Hund.', 'They have a dog.'],
    ['sie with a singular verb', 'Sie spielt im Garten.', 'She plays in the garden.'],
    ['werden + participle is a passive', 'Die Brücke wird gebaut.', 'The bridge is built.'],
    ['werden + infinitive is a future', 'Der Hund wird im Garten spielen.', 'The dog will play in the garden.'],
    ['possessive ihre', 'Die Kinder spielen mit ihren Hunden.', 'The children play with their dogs.'],
    ['genitive der', 'Die Kinder spielen im Garten der Schule.', 'The children play in the garden of the school.'],
    ['mit dem word by word, not "wherewith"', 'Er spielt mit dem Hund.', 'He plays with the dog.'],
    ['numbers: an age', 'Der 28-jährige Spieler gewann.', 'The 28-year-old player won.'],
    ['numbers: thousands', 'Die Firma hat 1.200 Mitarbeiter.', 'The company has 1,200 members of staff.'],
  ];
  it.each(cases)('%s: %s', async (_rule, german, english) => {
    expect(await engine.translateBatch([german])).toEqual([english]);
  });

  it('keeps a name that the dictionary knows only as a lower-case word', async () => {
    // frisch is an adjective ("fresh"); mid-sentence and capitalised it is a name.
    const [english] = await engine.translateBatch(['Das Buch von Frisch ist neu.']);
    expect(english).toBe('The book of Frisch is new.');
  });

  it('keeps question order', async () => {
    expect(await engine.translateBatch(['Wie geht es dir?'])).toEqual(['How are you?']);
  });
});
