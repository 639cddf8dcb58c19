import type { Static } from '@flotilla/kit';
import type { JobRecord } from '../db/jobs.js';
import type { RunRecord } from '../db/runs.js';
import type { SnapshotSummary } from '../db/snapshots.js';
import type { TrainRequest } from '../training/jobs.js';
import type { JobView, RunSchema, RunView, SnapshotView } from './schemas.js';

/** Records as the API shows them (schemas.ts): timestamps in RFC 3339, nothing undeclared. */

const iso = (date: Date) => date.toISOString();
const isoOrNull = (date: Date | null) => (date ? date.toISOString() : null);

export function snapshotView(snapshot: SnapshotSummary): SnapshotView {
  return {
    id: snapshot.id,
    season: snapshot.season,
    // The table's check constraints hold these to the schema's values.
    seasonType: snapshot.seasonType as SnapshotView['seasonType'],
    perMode: snapshot.perMode as SnapshotView['perMode'],
    fetchedAt: iso(snapshot.fetchedAt),
    source: snapshot.source,
    playerCount: snapshot.playerCount,
    columns: snapshot.columns,
    origin: snapshot.origin,
    createdAt: iso(snapshot.createdAt),
  };
}

export function runView(run: RunRecord): RunView {
  return {
    id: run.id,
    experimentId: run.experimentId,
    experimentName: run.experimentName,
    jobId: run.jobId,
    clusterer: run.clusterer as RunView['clusterer'],
    // Written from the search's candidates and scores (domain/search.ts), which the schema lists.
    params: run.params as Static<typeof RunSchema>['params'],
    status: run.status,
    error: run.error,
    seed: run.seed,
    snapshotIds: run.snapshotIds,
    stage: run.stage,
    rankingScore: run.rankingScore,
    eligibleForBest: run.eligibleForBest,
    warnings: run.warnings,
    mlflowRunId: run.mlflowRunId,
    metrics: run.metrics as Static<typeof RunSchema>['metrics'],
    createdAt: iso(run.createdAt),
    startedAt: isoOrNull(run.startedAt),
    finishedAt: isoOrNull(run.finishedAt),
    promotedAt: isoOrNull(run.promotedAt),
  };
}

export function jobView(job: JobRecord): JobView {
  // Written by TrainingJobs.submit from a TrainRequest; nothing else writes the column.
  const request = job.request as unknown as TrainRequest;
  return {
    id: job.id,
    kind: job.kind,
    status: job.status,
    season: request.season,
    snapshotIds: request.snapshotIds,
    clusterers: [...request.clusterers],
    seed: request.seed,
    experiment: request.experiment,
    stepsDone: job.stepsDone,
    stepsTotal: job.stepsTotal,
    currentClusterer: job.currentClusterer as JobView['currentClusterer'],
    error: job.error,
    bestRunId: job.bestRunId,
    createdAt: iso(job.createdAt),
    startedAt: isoOrNull(job.startedAt),
    finishedAt: isoOrNull(job.finishedAt),
    durationMs: job.startedAt && job.finishedAt ? job.finishedAt.getTime() - job.startedAt.getTime() : null,
  };
}
