import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import {
  claimNextJob,
  failExpiredJobs,
  failJob,
  finishJob,
  insertJob,
  type JobRecord,
  type Lease,
  planJob,
  recordJobProgress,
  renewLease,
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
import { loadInput, snapshotIdsOf, snapshotsById } from '../snapshots/season.js';
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

interface Options {
  db: Kysely<DB>;
  log: FastifyBaseLogger;
  metrics: StatsMetrics;
  mlflow: MlflowClient | undefined;
  minClusterShare: number;
  /** How long a running job stays this replica's without a sign of life (renewed every third). */
  leaseSeconds: number;
}

/** Stopped on purpose (service shutdown); the job is failed with this reason. */
class Interrupted extends Error {}

/** Another replica failed the job when its lease ran out: its runner must leave it as it is. */
class LeaseLost extends Error {}

/**
 * Training jobs are rows, and every replica runs this over the same table: it takes the oldest
 * queued job (whichever replica accepted it), runs it under a lease, and writes each step's
 * progress as an event any replica can stream (training/follow.ts). One job at a time per
 * replica (they are CPU-bound), each search step followed by a turn of the event loop so requests
 * keep being served. A replica that dies leaves its job's lease to run out; the next sweep of any
 * replica fails that job with the reason. It is not resumed: a job that killed its runner (memory)
 * would take the next one down too, and with the same seed a new job gives the same runs.
 */
export class TrainingJobs {
  // In a job's row and in the error when it dies; the host name is the pod's in Kubernetes.
  private readonly runner = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  private worker: Promise<void> | undefined;
  private lookAgain = false;
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping: Promise<void> | undefined;
  private stopping = false;

  constructor(private readonly options: Options) {}

  /** Sweeps now, then every third of a lease: fails jobs whose runner died, takes queued ones. */
  async start(): Promise<void> {
    await this.sweep();
    if (this.stopping) return; // closed while that sweep ran
    this.sweeper = setInterval(() => void this.sweep(), (this.options.leaseSeconds * 1000) / 3);
  }

  async submit(request: TrainRequest): Promise<JobRecord> {
    const job = await insertJob(this.options.db, { id: randomUUID(), request: { ...request } });
    this.work();
    return job;
  }

  /**
   * Stops after the current step; the running job is failed as interrupted. Queued jobs stay
   * queued for another replica, or for this service's next start.
   */
  async close(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweeper);
    await this.sweeping;
    await this.worker;
  }

  /** One sweep at a time: a slow one must not pile up connections behind it. */
  private sweep(): Promise<void> {
    this.sweeping ??= this.failExpired().finally(() => {
      this.sweeping = undefined;
      this.work();
    });
    return this.sweeping;
  }

  private async failExpired(): Promise<void> {
    const { db, log, metrics } = this.options;
    try {
      for (const job of await failExpiredJobs(db)) {
        // Counted here: its runner never will.
        metrics.trainingJobs.inc({ status: 'failed' });
        log.warn({ jobId: job.id, reason: job.error }, 'failed a training job whose runner stopped');
      }
    } catch (error) {
      log.warn({ err: error }, 'could not look for training jobs whose runner stopped');
    }
  }

  /** Runs queued jobs until none is left; called while it runs, it looks once more before stopping. */
  private work(): void {
    if (this.stopping) return;
    if (this.worker) {
      this.lookAgain = true;
      return;
    }
    this.worker = this.drain().finally(() => {
      this.worker = undefined;
    });
  }

  private async drain(): Promise<void> {
    const { db, log, leaseSeconds } = this.options;
    while (!this.stopping) {
      this.lookAgain = false;
      let job: JobRecord | undefined;
      try {
        job = await claimNextJob(db, this.runner, leaseSeconds);
      } catch (error) {
        // The job stays queued; the next sweep tries again.
        log.warn({ err: error }, 'could not take a queued training job');
        return;
      }
      if (job) await this.execute(job);
      else if (!this.lookAgain) return;
    }
  }

  private async execute(job: JobRecord): Promise<void> {
    const { db, log, metrics, leaseSeconds } = this.options;
    const jobId = job.id;
    const lease: Lease = { jobId, runner: this.runner, seconds: leaseSeconds };
    // Written by submit() from a TrainRequest; nothing else writes the column.
    const request = job.request as unknown as TrainRequest;
    const started = performance.now();
    // Renewed on a timer as well as by every write below: preparing the data, or MLflow answering
    // slowly, can take longer than a step. A lost lease shows at the next write.
    const renewal = setInterval(() => {
      renewLease(db, lease).catch((error: unknown) =>
        log.warn({ err: error, jobId }, 'could not renew a training job lease'),
      );
    }, (leaseSeconds * 1000) / 3);
    const keep = (held: boolean) => {
      if (!held) throw new LeaseLost();
    };
    let runIds: number[] = [];
    let status: 'finished' | 'failed' | 'lost' = 'failed';
    try {
      keep(await recordJobProgress(db, lease, { stepsDone: 0, currentClusterer: null }));
      const snapshots = await snapshotsById(db, request.snapshotIds);
      if ('problem' in snapshots) throw new Error(snapshots.problem);
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
      keep(await planJob(db, lease, { experimentId, stepsTotal: plan.candidates.length }));
      const players = playersOf(plan.prepared);
      const finished = await this.runSteps(
        lease,
        keep,
        request,
        plan.candidates,
        plan.steps,
        runIds,
        players,
        plan.prepared.modelSpace,
      );
      const best = bestRun(finished, { minClusterShare: this.options.minClusterShare });
      keep(await finishJob(db, lease, best?.id ?? null));
      status = 'finished';
    } catch (error) {
      if (error instanceof LeaseLost) {
        // Failed by another replica already, with the reason, and the runs it knew of.
        status = 'lost';
        log.warn({ jobId }, 'training job abandoned: another replica failed it when its lease ran out');
        await failRuns(db, runIds, 'job failed: its lease ran out').catch(() => {});
      } else {
        const reason =
          error instanceof Interrupted
            ? error.message
            : `${(error as Error).name === 'RangeError' ? '' : `${(error as Error).name}: `}${(error as Error).message}`;
        if (!(error instanceof Interrupted)) log.warn({ err: error, jobId }, 'training job failed');
        await failJob(db, lease, reason).catch((e) =>
          log.error({ err: e, jobId }, 'could not record job failure'),
        );
        await failRuns(db, runIds, `job failed: ${reason}`).catch(() => {});
      }
    } finally {
      clearInterval(renewal);
      if (status !== 'lost') {
        metrics.trainingJobs.inc({ status });
        metrics.jobDuration.observe({ status }, (performance.now() - started) / 1000);
      }
      log.info({ jobId, status, ms: Math.round(performance.now() - started) }, 'training job ended');
    }
  }

  /** One search step at a time; a failing candidate fails its run, not the job. */
  private async runSteps(
    lease: Lease,
    keep: (held: boolean) => void,
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
      keep(await recordJobProgress(db, lease, { stepsDone: i, currentClusterer: candidate.clusterer }));
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
      keep(
        await finishRun(db, {
          id: runId,
          metrics: { ...step.metrics, rankingScore: score },
          rankingScore: score,
          eligibleForBest: eligible,
          diagnostics: step.diagnostics,
          assignments: assignments({ players }, step),
        }),
      );
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
    keep(await recordJobProgress(db, lease, { stepsDone: candidates.length, currentClusterer: null }));
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
