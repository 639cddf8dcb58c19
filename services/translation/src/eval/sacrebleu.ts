/**
 * BLEU and chrF following sacreBLEU 2.x defaults, so scores compare with published ones.
 * No maintained npm package implements sacreBLEU faithfully, hence this port.
 *
 * BLEU: `13a` tokenizer, 4-gram, corpus-level, brevity penalty, `exp` smoothing.
 * chrF: character 6-grams, beta 2, whitespace removed, no word n-grams.
 */

/** sacreBLEU's `13a` tokenizer (mteval-v13a): split punctuation, keep decimals and 1,000. */
export function tokenize13a(line: string): string {
  let s = line.replaceAll('<skipped>', '').replaceAll('-\n', '').replaceAll('\n', ' ');
  if (s.includes('&')) {
    s = s.replaceAll('&quot;', '"').replaceAll('&amp;', '&').replaceAll('&lt;', '<').replaceAll('&gt;', '>');
  }
  s = ` ${s} `;
  s = s.replace(/([{-~[-` -&(-+:-@/])/gu, ' $1 ');
  s = s.replace(/([^0-9])([.,])/gu, '$1 $2 ');
  s = s.replace(/([.,])([^0-9])/gu, ' $1 $2');
  s = s.replace(/([0-9])(-)/gu, '$1 $2 ');
  return s.split(/\s+/u).filter(Boolean).join(' ');
}

export interface BleuScore {
  readonly score: number;
  /** Modified n-gram precisions (percent), n = 1..4. */
  readonly precisions: readonly number[];
  readonly brevityPenalty: number;
  readonly sysLen: number;
  readonly refLen: number;
}

function ngramCounts(tokens: readonly string[], maxOrder: number): Map<string, number>[] {
  const out: Map<string, number>[] = [];
  for (let n = 1; n <= maxOrder; n++) {
    const counts = new Map<string, number>();
    for (let i = 0; i + n <= tokens.length; i++) {
      const gram = tokens.slice(i, i + n).join(' ');
      counts.set(gram, (counts.get(gram) ?? 0) + 1);
    }
    out.push(counts);
  }
  return out;
}

function assertParallel(hyps: readonly string[], refs: readonly string[]): void {
  if (hyps.length !== refs.length) {
    throw new Error(
      `hypotheses (${hyps.length} lines) and references (${refs.length} lines) differ in length`,
    );
  }
}

export function corpusBleu(hypotheses: readonly string[], references: readonly string[]): BleuScore {
  assertParallel(hypotheses, references);
  const maxOrder = 4;
  const correct = new Array<number>(maxOrder).fill(0);
  const total = new Array<number>(maxOrder).fill(0);
  let sysLen = 0;
  let refLen = 0;
  for (let k = 0; k < hypotheses.length; k++) {
    const hyp = tokenize13a(hypotheses[k] ?? '')
      .split(' ')
      .filter(Boolean);
    const ref = tokenize13a(references[k] ?? '')
      .split(' ')
      .filter(Boolean);
    sysLen += hyp.length;
    refLen += ref.length;
    const hypGrams = ngramCounts(hyp, maxOrder);
    const refGrams = ngramCounts(ref, maxOrder);
    for (let n = 0; n < maxOrder; n++) {
      const refN = refGrams[n] ?? new Map<string, number>();
      for (const [gram, count] of hypGrams[n] ?? []) {
        correct[n] = (correct[n] ?? 0) + Math.min(count, refN.get(gram) ?? 0);
      }
      total[n] = (total[n] ?? 0) + Math.max(0, hyp.length - n);
    }
  }
  const precisions = new Array<number>(maxOrder).fill(0);
  let smooth = 1;
  for (let n = 0; n < maxOrder; n++) {
    const t = total[n] ?? 0;
    const c = correct[n] ?? 0;
    if (t === 0) break;
    if (c === 0) {
      smooth *= 2;
      precisions[n] = 100 / (smooth * t);
    } else {
      precisions[n] = (100 * c) / t;
    }
  }
  const brevityPenalty = sysLen < refLen ? (sysLen > 0 ? Math.exp(1 - refLen / sysLen) : 0) : 1;
  const logSum = precisions.reduce((sum, p) => sum + (p === 0 ? -9999999999 : Math.log(p)), 0);
  const score = brevityPenalty * Math.exp(logSum / maxOrder);
  return { score, precisions, brevityPenalty, sysLen, refLen };
}

function charNgrams(text: string, n: number): Map<string, number> {
  // Code points, like Python string slicing; whitespace removed entirely.
  const chars = Array.from(text.split(/\s+/u).join(''));
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= chars.length; i++) {
    const gram = chars.slice(i, i + n).join('');
    counts.set(gram, (counts.get(gram) ?? 0) + 1);
  }
  return counts;
}

export function corpusChrf(
  hypotheses: readonly string[],
  references: readonly string[],
  charOrder = 6,
  beta = 2,
): number {
  assertParallel(hypotheses, references);
  const stats = new Array<number>(charOrder * 3).fill(0);
  for (let k = 0; k < hypotheses.length; k++) {
    for (let n = 1; n <= charOrder; n++) {
      const hyp = charNgrams(hypotheses[k] ?? '', n);
      const ref = charNgrams(references[k] ?? '', n);
      let hypTotal = 0;
      let match = 0;
      for (const [gram, count] of hyp) {
        hypTotal += count;
        match += Math.min(count, ref.get(gram) ?? 0);
      }
      let refTotal = 0;
      for (const count of ref.values()) refTotal += count;
      const base = 3 * (n - 1);
      stats[base] = (stats[base] ?? 0) + hypTotal;
      stats[base + 1] = (stats[base + 1] ?? 0) + refTotal;
      stats[base + 2] = (stats[base + 2] ?? 0) + match;
    }
  }
  // sacreBLEU's _compute_f_score without eps smoothing: average P and R over effective orders.
  const factor = beta ** 2;
  let avgPrec = 0;
  let avgRec = 0;
  let effectiveOrder = 0;
  for (let i = 0; i < charOrder; i++) {
    const nHyp = stats[3 * i] ?? 0;
    const nRef = stats[3 * i + 1] ?? 0;
    const nMatch = stats[3 * i + 2] ?? 0;
    if (nHyp > 0 && nRef > 0) {
      avgPrec += nMatch / nHyp;
      avgRec += nMatch / nRef;
      effectiveOrder++;
    }
  }
  if (effectiveOrder === 0) return 0;
  avgPrec /= effectiveOrder;
  avgRec /= effectiveOrder;
  if (avgPrec + avgRec === 0) return 0;
  return (100 * ((1 + factor) * avgPrec * avgRec)) / (factor * avgPrec + avgRec);
}
