import { SEPARABLE_PARTICLES } from './function-words.js';
import { germanVerbForm, inflectGloss, type VerbForm } from './inflection.js';
import type { Lexicon } from './lexicon.js';
import { lemmaCandidates } from './morphology.js';
import { clauses, type Unit } from './units.js';

/** How far into a clause the finite verb of a main clause stands (after a fronted phrase). */
const FINITE_VERB_REACH = 6;

/**
 * A main clause's separable verb splits: "Die Vorstellung fängt um acht an", "Er gab zu, dass …".
 * The particle left at the clause end is joined to the finite verb (an + fangen → anfangen
 * "begin"), whose gloss replaces the verb's, and the particle itself is dropped.
 */
export function joinSeparableVerbs(units: Unit[], lexicon: Lexicon): void {
  for (const [start, end] of clauses(units)) {
    const particle = units[end - 1];
    if (!particle || end - start < 2 || particle.words !== 1 || !SEPARABLE_PARTICLES.has(particle.lower)) continue;
    for (let i = start; i < Math.min(end - 1, start + FINITE_VERB_REACH); i++) {
      const verb = units[i];
      if (!verb || verb.words !== 1 || (i > 0 && /^\p{Lu}/u.test(verb.source))) continue;
      const gloss = separableGloss(particle.lower, verb.lower, lexicon);
      if (gloss !== undefined) {
        verb.gloss = inTense(gloss, tense(verb.lower, lexicon));
        particle.gloss = '';
        break;
      }
    }
  }
}

/**
 * A verb-final clause keeps the particle on its verb, in forms the dictionary may not list:
 * stattfand → statt + fand → stattfinden "take place" → "took place", abhielt → "held".
 */
export function particleVerbGloss(lower: string, lexicon: Lexicon): string | undefined {
  for (const particle of SEPARABLE_PARTICLES) {
    if (!lower.startsWith(particle) || lower.length - particle.length < 3) continue;
    const finite = lower.slice(particle.length);
    const gloss = separableGloss(particle, finite, lexicon);
    if (gloss !== undefined) return inTense(gloss, tense(finite, lexicon));
  }
  return undefined;
}

function inTense(gloss: string, form: VerbForm | undefined): string {
  return form === 'past' ? inflectGloss(gloss, 'past') : form === 'thirdPerson' ? thirdPerson(gloss) : gloss;
}

/**
 * The tense of a finite verb the particle is joined to: its own gloss is its infinitive's in
 * the past (gab "gave", hielt "held"), or its ending says (forderte → past, fängt → present).
 */
function tense(finite: string, lexicon: Lexicon): VerbForm | undefined {
  const lemma = lexicon.verbLemma(finite);
  if (lemma !== undefined && lemma !== finite) {
    const own = lexicon.lookupExact(finite, false)?.split(' ')[0];
    const base = lexicon.lookupExact(lemma, false);
    if (own !== undefined && base !== undefined && own === inflectGloss(base, 'past').split(' ')[0]) return 'past';
  }
  if (/^\p{Ll}+[^e]t$/u.test(finite)) return 'thirdPerson';
  return germanVerbForm(finite)?.form;
}

/** The gloss of particle + the verb's infinitive, if the dictionary has that verb. */
export function separableGloss(particle: string, finite: string, lexicon: Lexicon): string | undefined {
  const known = lexicon.verbLemma(finite);
  const lemmas = known ? [known] : [];
  // fängt → fangen, läuft → laufen: present-tense umlauts are not in the infinitive.
  const plain = finite.replace(/ä/gu, 'a').replace(/ö/gu, 'o').replace(/ü/gu, 'u');
  for (const form of plain === finite ? [finite] : [finite, plain]) {
    lemmas.push(...lemmaCandidates(form, false).filter((c) => c.endsWith('n')));
  }
  for (const lemma of lemmas) {
    const separable = particle + lemma;
    if (lexicon.verbLemma(separable) !== undefined) {
      const gloss = lexicon.lookupExact(separable, false);
      if (gloss !== undefined) return gloss;
    }
  }
  return undefined;
}

/** kommt an → "arrives": the infinitive's gloss in the third person singular present. */
export function thirdPerson(gloss: string): string {
  const [verb, ...rest] = gloss.split(' ');
  if (!verb || !/^\p{Ll}+$/u.test(verb)) return gloss;
  const inflected = /(?:s|sh|ch|x|z|o)$/u.test(verb)
    ? `${verb}es`
    : /[^aeiou]y$/u.test(verb)
      ? `${verb.slice(0, -1)}ies`
      : `${verb}s`;
  return [inflected, ...rest].join(' ');
}
