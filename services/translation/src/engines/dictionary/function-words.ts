/**
 * Closed-class German words (articles, pronouns, auxiliaries, prepositions, conjunctions).
 * The dictionary lists them under entries full of idioms and relative-pronoun senses
 * (`die` → "who"), so their everyday gloss is fixed here. An empty gloss drops the word
 * (`sich`, `zu` before infinitives are usually silent in English).
 */
const TABLE: Record<string, string> = {
  der: 'the', die: 'the', das: 'the', den: 'the', dem: 'the', des: 'of the',
  ein: 'a', eine: 'a', einen: 'a', einem: 'a', einer: 'a', eines: 'of a',
  kein: 'no', keine: 'no', keinen: 'no', keinem: 'no', keiner: 'no one', keines: 'no',
  im: 'in the', ins: 'into the', am: 'at the', ans: 'to the', zum: 'to the', zur: 'to the',
  vom: 'from the', beim: 'at the',
  ich: 'I', du: 'you', er: 'he', sie: 'she', es: 'it', wir: 'we', ihr: 'her', man: 'one',
  mich: 'me', mir: 'me', dich: 'you', dir: 'you', ihn: 'him', ihm: 'him', uns: 'us', euch: 'you',
  ihnen: 'them', sich: '',
  mein: 'my', meine: 'my', meinen: 'my', meinem: 'my', meiner: 'my', meines: 'my',
  dein: 'your', deine: 'your', deinen: 'your', deinem: 'your', deiner: 'your',
  sein: 'his', seine: 'his', seinen: 'his', seinem: 'his', seiner: 'his', seines: 'his',
  ihre: 'her', ihren: 'her', ihrem: 'her', ihrer: 'her', ihres: 'her',
  unser: 'our', unsere: 'our', unseren: 'our', unserem: 'our', unserer: 'our',
  dies: 'this', diese: 'this', dieser: 'this', dieses: 'this', diesem: 'this', diesen: 'this',
  welche: 'which', welcher: 'which', welches: 'which', welchen: 'which', welchem: 'which',
  ist: 'is', sind: 'are', war: 'was', waren: 'were', bin: 'am', bist: 'are', seid: 'are',
  gewesen: 'been', hat: 'has', haben: 'have', hatte: 'had', hatten: 'had', habe: 'have',
  wird: 'will', werden: 'will', wurde: 'was', wurden: 'were', worden: 'been',
  kann: 'can', können: 'can', konnte: 'could', konnten: 'could', könnte: 'could',
  muss: 'must', müssen: 'must', musste: 'had to', mussten: 'had to',
  soll: 'should', sollen: 'should', sollte: 'should', sollten: 'should',
  will: 'wants', wollen: 'want', wollte: 'wanted', darf: 'may', dürfen: 'may', würde: 'would', würden: 'would',
  und: 'and', oder: 'or', aber: 'but', sondern: 'but', denn: 'because', dass: 'that', ob: 'whether',
  wenn: 'if', weil: 'because', als: 'as', wie: 'as', damit: 'so that', obwohl: 'although', während: 'during',
  in: 'in', an: 'at', auf: 'on', aus: 'from', bei: 'at', mit: 'with', nach: 'after', von: 'of',
  vor: 'before', zu: 'to', über: 'about', unter: 'under', um: 'at', für: 'for', durch: 'through',
  gegen: 'against', ohne: 'without', seit: 'since', bis: 'until', zwischen: 'between', neben: 'next to',
  nicht: 'not', auch: 'also', noch: 'still', schon: 'already', nur: 'only', sehr: 'very', mehr: 'more',
  so: 'so', dann: 'then', hier: 'here', dort: 'there', da: 'there', jetzt: 'now', bereits: 'already',
};

export function functionWordGloss(lowerWord: string): string | undefined {
  return Object.hasOwn(TABLE, lowerWord) ? TABLE[lowerWord] : undefined;
}
