import type { PlayerStatRow } from './parse.js';
import {
  type Candidate,
  DEFAULT_SEARCH_SPACE,
  runCandidates,
  type SearchRun,
  type SearchSpace,
  searchCandidates,
} from './search.js';
import { type PreparedData, prepareFeatures, type RateStat, type TransformConfig } from './transform.js';

/** Parsed snapshots → features → every clusterer's search → runs ready to be stored. */

export interface PipelineInput {
  regular: readonly PlayerStatRow[];
  /** Empty when the season had no playoffs (yet). */
  playoffs: readonly PlayerStatRow[];
}

export interface PipelineOptions {
  transform?: Partial<TransformConfig>;
  search?: Partial<SearchSpace>;
  seed?: number;
  /** Called after each run; `total` is known up front. */
  onProgress?: (progress: { done: number; total: number; run: SearchRun }) => void;
}

export interface PipelinePlayer {
  playerId: number;
  playerName: string;
  teamAbbreviation: string;
  gp: number;
  minutes: number;
  /** Position on the first two principal components, for the scatter plot. */
  x: number;
  y: number;
}

export interface PipelineResult {
  seed: number;
  /** Eligible players; every run's `labels` is aligned with this list. */
  players: PipelinePlayer[];
  features: readonly RateStat[];
  transform: TransformConfig;
  search: SearchSpace;
  /** Principal components the clusterers saw, and each component's share of variance. */
  components: number;
  explainedVariance: number[];
  runs: SearchRun[];
}

export function playersOf(prepared: PreparedData): PipelinePlayer[] {
  return prepared.players.map((p, i) => {
    const [x, y] = prepared.projection2d[i] as [number, number];
    return {
      playerId: p.playerId,
      playerName: p.playerName,
      teamAbbreviation: p.teamAbbreviation,
      gp: p.gpRegular + p.gpPlayoffs,
      minutes: p.minutes,
      x,
      y,
    };
  });
}

export interface PipelinePlan {
  prepared: PreparedData;
  search: SearchSpace;
  seed: number;
  candidates: Candidate[];
  steps: Generator<SearchRun, void, undefined>;
}

/**
 * The pipeline split into a cheap preparation and a generator of runs, so a background job can
 * yield to the event loop (or report progress) between runs. `runPipeline` drives it to the end.
 */
export function planPipeline(input: PipelineInput, options: PipelineOptions = {}): PipelinePlan {
  const seed = options.seed ?? 0;
  const search: SearchSpace = { ...DEFAULT_SEARCH_SPACE, ...options.search };
  const prepared = prepareFeatures(input.regular, input.playoffs, options.transform);
  const candidates = searchCandidates(prepared.modelSpace, search, seed);
  return { prepared, search, seed, candidates, steps: runCandidates(prepared.modelSpace, candidates, seed) };
}

export function runPipeline(input: PipelineInput, options: PipelineOptions = {}): PipelineResult {
  const plan = planPipeline(input, options);
  const runs: SearchRun[] = [];
  for (const run of plan.steps) {
    runs.push(run);
    options.onProgress?.({ done: runs.length, total: plan.candidates.length, run });
  }
  return {
    seed: plan.seed,
    players: playersOf(plan.prepared),
    features: plan.prepared.features,
    transform: plan.prepared.config,
    search: plan.search,
    components: plan.prepared.components,
    explainedVariance: plan.prepared.explainedVariance,
    runs,
  };
}

export interface PlayerAssignment extends PipelinePlayer {
  label: number;
}

/** A run's artifact: each eligible player with his cluster label and 2-D position. */
export function assignments(
  result: Pick<PipelineResult, 'players'>,
  run: Pick<SearchRun, 'labels'>,
): PlayerAssignment[] {
  if (run.labels.length !== result.players.length) {
    throw new RangeError(`run has ${run.labels.length} labels for ${result.players.length} players`);
  }
  return result.players.map((player, i) => ({ ...player, label: run.labels[i] as number }));
}
