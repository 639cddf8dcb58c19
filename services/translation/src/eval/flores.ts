import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { translateText } from '../engines/translate-text.js';
import type { TranslationEngine } from '../engines/types.js';
import { corpusBleu, corpusChrf } from './sacrebleu.js';

export interface SystemScore {
  readonly system: string;
  readonly bleu: number;
  readonly chrf: number;
}

async function readLines(path: string): Promise<string[]> {
  const text = await readFile(path, 'utf8');
  return text.replace(/\n$/u, '').split('\n');
}

/** Reference systems whose outputs ship with the FLORES folder. */
export const REFERENCE_SYSTEMS = [
  { system: 'Bergamot tiny (reference output)', file: 'flores-dev.bergamot-tiny.en' },
  { system: 'Google Translate (reference output)', file: 'flores-dev.google.en' },
] as const;

/** Scores `engine` on FLORES dev next to the reference systems' outputs. */
export async function evaluateOnFlores(
  engine: TranslationEngine,
  floresDir: string,
  onProgress?: (done: number, total: number) => void,
): Promise<{ scores: SystemScore[]; sentences: number; seconds: number }> {
  const sources = await readLines(join(floresDir, 'flores-dev.de'));
  const references = await readLines(join(floresDir, 'flores-dev.en'));
  const started = performance.now();
  const hypotheses: string[] = [];
  // One line per sentence: translate line by line so line alignment cannot drift.
  for (const [i, source] of sources.entries()) {
    hypotheses.push((await translateText(source, engine)).text.trim());
    onProgress?.(i + 1, sources.length);
  }
  const seconds = (performance.now() - started) / 1000;
  const scores: SystemScore[] = [
    {
      system: `${engine.name} (this engine)`,
      bleu: corpusBleu(hypotheses, references).score,
      chrf: corpusChrf(hypotheses, references),
    },
  ];
  for (const ref of REFERENCE_SYSTEMS) {
    const outputs = await readLines(join(floresDir, ref.file));
    scores.push({
      system: ref.system,
      bleu: corpusBleu(outputs, references).score,
      chrf: corpusChrf(outputs, references),
    });
  }
  return { scores, sentences: sources.length, seconds };
}

export function markdownTable(scores: readonly SystemScore[]): string {
  const rows = scores.map((s) => `| ${s.system} | ${s.bleu.toFixed(1)} | ${s.chrf.toFixed(1)} |`);
  return ['| system | BLEU | chrF |', '|---|---:|---:|', ...rows].join('\n');
}
