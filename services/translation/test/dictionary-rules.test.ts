import { beforeAll, describe, expect, it } from 'vitest';
import { englishFrequency, glossRarity } from '../src/engines/dictionary/english-frequency.js';
import { Glosser } from '../src/engines/dictionary/gloss.js';
import { buildLexicon } from '../src/engines/dictionary/lexicon.js';
import { lemmaCandidates } from '../src/engines/dictionary/morphology.js';
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

  it("takes the sense that the dictionary's own lines use most", () => {
    const senses = ['Stadt {f} :: town', 'Stadt {f} :: city'];
    const uses = ['die Stadt Prag :: the city of Prague', 'Stadt und Land :: city and country', 'Sie sieht gut aus. :: She looks good.'];
    // Alone, the entries tie and the first wins; the lines that use Stadt say "city".
    expect(buildLexicon(senses.join('\n'), frequency).lexicon.lookup('stadt', true)).toBe('town');
    expect(buildLexicon([...senses, ...uses].join('\n'), frequency).lexicon.lookup('stadt', true)).toBe('city');
    // Without frequencies nothing is re-ranked: the first entry's sense.
    expect(buildLexicon([...senses, ...uses].join('\n')).lexicon.lookup('stadt', true)).toBe('town');
  });

  it("weighs an entry's later English synonyms as rival senses too", () => {
    const ding = ['Reise {f} :: journey; trip', 'eine Reise machen :: to make a trip', 'auf Reisen; Reise :: on a trip'].join('\n');
    expect(buildLexicon(ding, frequency).lexicon.lookup('reise', true)).toBe('trip');
  });
});

describe('German numbers, times and dates', () => {
  it.each([
    // Milliarde, not the English word: German "Billion" is a trillion.
    ['2,3 Milliarden', '2.3 Milliarde'],
    ['1.200 Einwohner', '1,200 Einwohner'],
    ['1.234.567,89 Euro', '1,234,567.89 Euro'],
    ['gegen 9:30 Uhr', 'gegen 9:30'],
    ['kurz nach 11.00 Uhr', 'kurz nach 11:00'],
    ['um 9 Uhr', "um 9 o'clock"],
    ['am 3. Mai 1990', 'am 3 Mai 1990'],
    ['der 28-jährige Vidal', 'der 28-year-old Vidal'],
    ['4 Mio. Menschen', '4 Million Menschen'],
    ['in den 1970er Jahren', 'in den 1970s'],
    ['um 5 Prozent', 'um 5 percent'],
    ['Hunde, z. B. Pudel', 'Hunde, zum Beispiel Pudel'],
    ['um 500 v. Chr. gebaut', 'um 500 BC gebaut'],
  ])('%s → %s', (german, english) => {
    expect(englishNumbers(german)).toBe(english);
  });

  it('leaves dates, scores and plain numbers alone', () => {
    for (const text of ['am 1.1.2020', 'bei 7:2', 'seit 1995-96', '76 Punkte']) expect(englishNumbers(text)).toBe(text);
  });
});

describe('lemma candidates', () => {
  it('keeps a verbal candidate only when it is a verb', () => {
    // neuen is an inflected neu, not a form of the numeral neun.
    expect(lemmaCandidates('neuen', false)).toContain('neun');
    expect(lemmaCandidates('neuen', false, (lemma) => lemma === 'spielen')).not.toContain('neun');
    expect(lemmaCandidates('neuen', false, () => false)).toContain('neu');
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
    ['es gibt, agreeing with a plural', 'Es gibt viele Hunde im Garten.', 'There are many dogs in the garden.'],
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
    ['numbers: thousands', 'Die Stadt hat 1.200 Einwohner.', 'The city has 1,200 inhabitants.'],
    ['numbers: decades and billions', 'In den 1970er Jahren gab es 2,3 Milliarden Menschen.', 'In the 1970s there were 2.3 billion people.'],
    ['als after a comparative is "than"', 'Die Kinder sind größer als ihre Eltern.', 'The children are greater than their parents.'],
    ['als opening a clause is "when"', 'Als er nach Hause kam, schlief der Hund.', 'When he came home, the dog slept.'],
    ['Sie mid-sentence is the polite "you"', 'Morgen sollten Sie früh kommen.', 'Tomorrow you should come early.'],
    ['Sie before a modal of advice is "you"', 'Sie sollten viel Wasser trinken.', 'You should drink much water.'],
    ['die meisten is "most"', 'Die meisten Menschen sind müde.', 'Most people are tired.'],
    ['a listed sentence mid-sentence starts lower-case', 'Wenn es regnet, bleiben wir zu Hause.', 'If it’s raining, we stay at home.'],
    ['sie beside a plural verb in a clause', 'Er sagt, dass sie kommen.', 'He says, that they come.'],
    ['generic man is "you", and its verb agrees', 'Man sieht den Berg.', 'You look the mountain.'],
    ['verb + particle phrase only when the particle ends the clause', 'Er kam nach Berlin.', 'He came to Berlin.'],
    ['particle + unlisted past in a verb-final clause', 'Die Hochzeit, die im Mai stattfand, war schön.', 'The wedding, which took place in the May, was good.'],
    ['perfect with sein after an apposition', 'Der Mann, ein Lehrer, ist gestern gestorben.', 'The man, a teacher, has yesterday died.'],
    ['perfect with sein', 'Er ist nach Berlin gefahren.', 'He has run to Berlin.'],
    ['pluperfect with sein', 'Er war nach Berlin gefahren.', 'He had run to Berlin.'],
    ['perfect with sein, participle in -ten', 'Sie sind beide zurückgetreten.', 'They have resigned both.'],
    ['an before a vowel', 'Das ist ein amerikanisches Auto.', 'That is an American car.'],
    ['einer der … is "one of the"', 'Er ist einer der reichsten Männer.', 'He is one of the richest men.'],
    ['zu + infinitive is "to", not an idiom', 'Er versuchte zu gewinnen.', 'He tried to win.'],
    ['passive in a verb-final clause', 'Ich weiß, dass die Brücke gebaut wird.', 'I know, that the bridge is built.'],
    ['passive agent von is "by"', 'Das Buch wurde von einem Lehrer geschrieben.', 'The book was written by a teacher.'],
    ['modal and passive in English order', 'Die Zellen können sortiert werden.', 'The cells can be sorted.'],
    ['während opening a clause, then verb-second', 'Während er schlief, regnete es.', 'While he slept, it rained.'],
    ['verb-second after a weil clause', 'Weil er müde war, schlief er.', 'Because he was tired, he slept.'],
    ['relative pronoun as the subject', 'Die Dokumente, die genutzt wurden, sind alt.', 'The documents, which were used, are old.'],
    ['relative pronoun after people is "who"', 'Die Touristen, die im Hotel wohnen, sind müde.', 'The tourists, who live in the hotel, are tired.'],
    ['separable verb keeps its past tense', 'Der Zug kam gestern an.', 'The train arrived yesterday.'],
    ['reflexive verb takes its sich sense', 'Das Hotel befindet sich in der Stadt.', 'The hotel is in town.'],
    ['adjective + noun entry with an inflected adjective', 'Er lebt in den Vereinigten Staaten.', 'He lives in the United States.'],
    ['sein with no noun after it is "be"', 'Es kann gefährlich sein.', 'It can be dangerous.'],
    ['polite imperative has no "you"', 'Trinken Sie viel Wasser.', 'Drink much water.'],
    ['degree word + adjective word by word', 'Die Tür ist sehr eng.', 'The door is very closely.'],
    ['possessive + noun word by word', 'Die Kinder spielen mit ihren Eltern.', 'The children play with their parents.'],
    ['um before a place is "around"', 'Die Reise um die Welt dauerte ein Jahr.', 'The trip around the world took a year.'],
    ['über is "over"', 'Das Flugzeug flog über die Stadt.', 'The aircraft flew over the city.'],
    ['sein of a thing is "its"', 'Das Land verbesserte seine Wirtschaft.', 'The country corrected its economy.'],
    ['sein beside er is "his"', 'Er verkaufte sein Auto.', 'He sold his car.'],
    ['preposition + relative pronoun', 'Das ist der Tisch, auf dem er schläft.', 'That is the table, on which he sleeps.'],
    ['hyphenated compound written apart', 'Er kaufte einen Standard-Drucker.', 'He bought a standard printer.'],
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
