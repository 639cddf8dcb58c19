import { fieldPath, invalidField } from '@flotilla/kit';
import type { Kysely } from 'kysely';
import type { JobRecord } from '../db/jobs.js';
import type { DB } from '../db/schema.js';
import { CLUSTERERS, type ClustererName, DEFAULT_SEARCH_SPACE, type SearchSpace } from '../domain/search.js';
import type { TransformConfig } from '../domain/transform.js';
import { latestSeasonSnapshots, type SeasonSnapshots, snapshotIdsOf, snapshotsById } from '../snapshots/season.js';
import type { TrainingJobs } from './jobs.js';

/** What a caller asks to train (`POST /stats/runs`; its schema bounds every value). */
export interface TrainOrder {
  season?: string | undefined;
  snapshotIds?: number[] | undefined;
  clusterers?: ClustererName[] | undefined;
  seed?: number | undefined;
  experiment?: string | undefined;
  search?: ({ maxCandidatesPerClusterer?: number | undefined } & Partial<Record<ClustererName, object>>) | undefined;
  transform?: Partial<TransformConfig> | undefined;
}

/**
 * Resolves the snapshots to train on and queues the job; a request that names no usable data is
 * refused (400 naming the field) before anything is queued.
 */
export async function submitTraining(db: Kysely<DB>, jobs: TrainingJobs, order: TrainOrder): Promise<JobRecord> {
  const set = await snapshotsToTrainOn(db, order);
  return jobs.submit({
    season: set.season,
    snapshotIds: snapshotIdsOf(set),
    experiment: order.experiment ?? `nba-player-clusters-${set.season}`,
    clusterers: order.clusterers ?? [...CLUSTERERS],
    seed: order.seed ?? 0,
    search: searchOverrides(order.search),
    transform: order.transform ?? {},
  });
}

async function snapshotsToTrainOn(db: Kysely<DB>, order: TrainOrder): Promise<SeasonSnapshots> {
  if ((order.season === undefined) === (order.snapshotIds === undefined)) {
    throw invalidField(fieldPath('body', 'season'), 'give either a season or snapshotIds, not both');
  }
  if (order.snapshotIds) {
    const found = await snapshotsById(db, order.snapshotIds);
    if ('problem' in found) throw invalidField(fieldPath('body', 'snapshotIds'), found.problem);
    return found;
  }
  const season = order.season as string;
  const set = await latestSeasonSnapshots(db, season);
  if (!set) {
    throw invalidField(
      fieldPath('body', 'season'),
      `has no Regular Season snapshot (Per36 or Totals) of ${season}; fetch or import one first`,
    );
  }
  return set;
}

/** The request's partial search space merged over the defaults, clusterer by clusterer. */
function searchOverrides(search: TrainOrder['search']): Partial<SearchSpace> {
  if (!search) return {};
  const { maxCandidatesPerClusterer, ...perClusterer } = search;
  const merged: Partial<SearchSpace> = {};
  for (const [name, override] of Object.entries(perClusterer) as [ClustererName, object | undefined][]) {
    if (override) Object.assign(merged, { [name]: { ...DEFAULT_SEARCH_SPACE[name], ...override } });
  }
  if (maxCandidatesPerClusterer !== undefined) merged.maxCandidatesPerClusterer = maxCandidatesPerClusterer;
  return merged;
}
