import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import {
  failJob,
  finishJob,
  insertJob,
  type JobRecord,
  markJobRunning,
  planJob,
  recordJobProgress,
} from '../db/jobs.js';
import {
  addRunWarning,
  experimentId as ensureExperiment,
  failRuns,
  finishRun,
  insertQueuedRuns,
  markRunsRunning,
  setMlflowRunId,
} from '../db/runs.js';
import type { DB } from '../db/schema.js';
import type { ClusterMetrics } from '../domain/metrics.js';
import { assignments, type PipelinePlayer, planPipeline, playersOf } from '../domain/pipeline.js';
import {
  bestRun,
  type Candidate,
  type ClustererName,
  isEligibleForBest,
  rankingScore,
  runCandidates,
  type SearchRun,
  type SearchSpace,
} from '../domain/search.js';
import type { TransformConfig } from '../domain/transform.js';
import type { StatsMetrics } from '../metrics.js';
import { loadInput, type SeasonSnapshots, snapshotIdsOf } from '../snapshots/season.js';
import { type MlflowClient, MlflowError } from './mlflow.js';

/** What a training job was asked to do, as stored in `jobs.request`. */
export interface TrainRequest {
  season: string;
  snapshotIds: number[];
  experiment: string;
  clusterers: ClustererName[];
  seed: number;
  search: Partial<SearchSpace>;
  transform: Partial<TransformConfig>;
}

export type JobEvent =
  | {
      type: 'progress';
      jobId: string;
      stepsDone: number;
      stepsTotal: number | null;
      clusterer: string | null;
    }
  | { type: 'finished'; jobId: string; runIds: number[]; bestRunId: number | null }
  | { type: 'failed'; jobId: string; error: string };

interface Options {
  db: Kysely<DB>;
  log: FastifyBaseLogger;
  metrics: StatsMetrics;
  mlflow: MlflowClient | undefined;
  minClusterShare: number;
}

/** Stopped on purpose (service shutdown); the job is failed with this reason. */
class Interrupted extends Error {}

/**
 * Training jobs run in this process, one at a time (they are CPU-bound), each search step
 * followed by a turn of the event loop so requests keep being served. Progress goes to the
 * database (for any client, any replica) and to in-process listeners (SSE).
 */
export class TrainingJobs {
  private readonly queue: { id: string; request: TrainRequest; snapshots: SeasonSnapshots }[] = [];
  private readonly events = new EventEmitter();
  private readonly local = new Set<string>();
  private worker: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly options: Options) {
    // One listener per open SSE stream; the default cap of 10 would only produce warnings.
    this.events.setMaxListeners(0);
  }

  async submit(request: TrainRequest, snapshots: SeasonSnapshots): Promise<JobRecord> {
    const job = await insertJob(this.options.db, { id: randomUUID(), request: { ...request } });
    this.local.add(job.id);
    this.queue.push({ id: job.id, request, snapshots });
    this.worker ??= this.drain().finally(() => {
      this.worker = undefined;
    });
    return job;
  }

  /** Listen to a job running in this process; undefined when it is not (another replica, or done). */
  subscribe(jobId: string, listener: (event: JobEvent) => void): (() => void) | undefined {
    if (!this.local.has(jobId)) return undefined;
    this.events.on(jobId, listener);
    return () => this.events.off(jobId, listener);
  }

  /** Stops after the current step; the running and queued jobs are failed with the reason. */
  async close(): Promise<void> {
    this.stopping = true;
    await this.worker;
  }

  private emit(event: JobEvent): void {
    this.events.emit(event.jobId, event);
  }

  private async drain(): Promise<void> {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      await this.execute(next.id, next.request, next.snapshots);
      this.local.delete(next.id);
    }
  }

  private async execute(jobId: string, request: TrainRequest, snapshots: SeasonSnapshots): Promise<void> {
    const { db, log, metrics } = this.options;
    const started = performance.now();
    let runIds: number[] = [];
    let status: 'finished' | 'failed' = 'failed';
    try {
      if (this.stopping) throw new Interrupted('interrupted: the service shut down before this job started');
      await markJobRunning(db, jobId);
      this.emit({ type: 'progress', jobId, stepsDone: 0, stepsTotal: null, clusterer: null });
      const input = await loadInput(db, snapshots);
      const plan = planPipeline(input, {
        seed: request.seed,
        search: { ...request.search, clusterers: request.clusterers },
        transform: request.transform,
      });
      const experimentId = await ensureExperiment(db, request.experiment);
      runIds = await insertQueuedRuns(
        db,
        { jobId, experimentId, seed: request.seed, snapshotIds: snapshotIdsOf(snapshots) },
        plan.candidates,
      );
      await planJob(db, jobId, { experimentId, stepsTotal: plan.candidates.length });
      const players = playersOf(plan.prepared);
      const finished = await this.runSteps(
        jobId,
        request,
        plan.candidates,
        plan.steps,
        runIds,
        players,
        plan.prepared.modelSpace,
      );
      const best = bestRun(finished, { minClusterShare: this.options.minClusterShare });
      await finishJob(db, jobId, best?.id ?? null);
      status = 'finished';
      this.emit({ type: 'finished', jobId, runIds, bestRunId: best?.id ?? null });
    } catch (error) {
      const reason =
        error instanceof Interrupted
          ? error.message
          : `${(error as Error).name === 'RangeError' ? '' : `${(error as Error).name}: `}${(error as Error).message}`;
      if (!(error instanceof Interrupted)) log.warn({ err: error, jobId }, 'training job failed');
      await failJob(db, jobId, reason).catch((e) =>
        log.error({ err: e, jobId }, 'could not record job failure'),
      );
      await failRuns(db, runIds, `job failed: ${reason}`).catch(() => {});
      this.emit({ type: 'failed', jobId, error: reason });
    } finally {
      metrics.trainingJobs.inc({ status });
      metrics.jobDuration.observe({ status }, (performance.now() - started) / 1000);
      log.info({ jobId, status, ms: Math.round(performance.now() - started) }, 'training job ended');
    }
  }

  /** One search step at a time; a failing candidate fails its run, not the job. */
  private async runSteps(
    jobId: string,
    request: TrainRequest,
    candidates: readonly Candidate[],
    firstSteps: Generator<SearchRun, void, undefined>,
    runIds: readonly number[],
    players: PipelinePlayer[],
    modelSpace: number[][],
  ): Promise<{ id: number; metrics: ClusterMetrics }[]> {
    const { db, metrics } = this.options;
    const finished: { id: number; metrics: ClusterMetrics }[] = [];
    let steps = firstSteps;
    let mlflowDown: string | undefined;
    for (let i = 0; i < candidates.length; i++) {
      const candidate = candidates[i] as Candidate;
      const runId = runIds[i] as number;
      // Let requests (and SSE writes) through between CPU-bound steps.
      await yieldToEventLoop();
      if (this.stopping)
        throw new Interrupted('interrupted: the service shut down while this job was running');
      await recordJobProgress(db, jobId, { stepsDone: i, currentClusterer: candidate.clusterer });
      this.emit({
        type: 'progress',
        jobId,
        stepsDone: i,
        stepsTotal: candidates.length,
        clusterer: candidate.clusterer,
      });
      await markRunsRunning(db, [runId]);
      const runStarted = new Date();
      let step: SearchRun;
      try {
        const next = steps.next();
        if (next.done) throw new Error('the search ended before its last candidate');
        step = next.value;
      } catch (error) {
        await failRuns(db, [runId], (error as Error).message);
        metrics.trainingRuns.inc({ clusterer: candidate.clusterer, status: 'failed' });
        // A generator that threw is finished: carry on with a fresh one over the rest.
        steps = runCandidates(modelSpace, candidates.slice(i + 1), request.seed);
        continue;
      }
      const score = rankingScore(step.metrics);
      const eligible = isEligibleForBest(step.metrics, { minClusterShare: this.options.minClusterShare });
      await finishRun(db, {
        id: runId,
        metrics: { ...step.metrics, rankingScore: score },
        rankingScore: score,
        eligibleForBest: eligible,
        diagnostics: step.diagnostics,
        assignments: assignments({ players }, step),
      });
      metrics.trainingRuns.inc({ clusterer: candidate.clusterer, status: 'finished' });
      finished.push({ id: runId, metrics: step.metrics });
      if (this.options.mlflow) {
        mlflowDown = await this.logToMlflow(
          this.options.mlflow,
          runId,
          request,
          step,
          score,
          players,
          runStarted,
          mlflowDown,
        );
      }
    }
    await recordJobProgress(db, jobId, { stepsDone: candidates.length, currentClusterer: null });
    this.emit({
      type: 'progress',
      jobId,
      stepsDone: candidates.length,
      stepsTotal: candidates.length,
      clusterer: null,
    });
    return finished;
  }

  /** Never throws: a failure becomes a warning on the run. Returns why MLflow is down, if it is. */
  private async logToMlflow(
    mlflow: MlflowClient,
    runId: number,
    request: TrainRequest,
    step: SearchRun,
    score: number | null,
    players: PipelinePlayer[],
    started: Date,
    down: string | undefined,
  ): Promise<string | undefined> {
    const { db, log, metrics } = this.options;
    if (down) {
      // One unreachable server would otherwise cost a timeout per run.
      await addRunWarning(db, runId, `not logged to MLflow: ${down} earlier in this job`);
      metrics.mlflowFailures.inc();
      return down;
    }
    const numeric = Object.entries({ ...step.metrics, rankingScore: score }).filter(
      (entry): entry is [string, number] => typeof entry[1] === 'number',
    );
    try {
      const logged = await mlflow.logRun({
        experimentName: request.experiment,
        runName: `${step.clusterer}-${runId}`,
        startTime: started,
        endTime: new Date(),
        params: {
          clusterer: step.clusterer,
          seed: String(request.seed),
          season: request.season,
          snapshotIds: request.snapshotIds.join(','),
          ...Object.fromEntries(Object.entries(step.params).map(([k, v]) => [k, String(v)])),
          ...Object.fromEntries(
            Object.entries(request.transform).map(([k, v]) => [
              `transform.${k}`,
              Array.isArray(v) ? v.join(',') : String(v),
            ]),
          ),
        },
        metrics: Object.fromEntries([
          ...numeric,
          ...Object.entries(step.diagnostics).map(([k, v]) => [`diagnostics.${k}`, v] as const),
        ]),
        tags: { 'flotilla.run_id': String(runId), 'flotilla.service': 'stats' },
        artifacts: [
          {
            path: 'assignments.json',
            content: JSON.stringify(assignments({ players }, step)),
            contentType: 'application/json',
          },
        ],
      });
      await setMlflowRunId(db, runId, logged.runId);
      for (const warning of logged.warnings) await addRunWarning(db, runId, warning);
      return undefined;
    } catch (error) {
      metrics.mlflowFailures.inc();
      const message = (error as Error).message;
      log.warn({ runId, err: error }, 'MLflow logging failed');
      await addRunWarning(db, runId, `not logged to MLflow: ${message}`);
      return error instanceof MlflowError && error.unreachable ? message : undefined;
    }
  }
}
