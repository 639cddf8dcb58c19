import { Counter, Histogram, type Registry } from 'prom-client';

/** Domain metrics of the stats service, on the service's own registry. */
export function statsMetrics(registry: Registry) {
  return {
    trainingRuns: new Counter({
      name: 'stats_training_runs_total',
      help: 'Clustering runs completed, by clusterer and outcome',
      labelNames: ['clusterer', 'status'] as const,
      registers: [registry],
    }),
    trainingJobs: new Counter({
      name: 'stats_training_jobs_total',
      help: 'Training jobs completed, by outcome',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    jobDuration: new Histogram({
      name: 'stats_training_job_duration_seconds',
      help: 'Wall time of a training job from start to finish, by outcome',
      labelNames: ['status'] as const,
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
      registers: [registry],
    }),
    snapshots: new Counter({
      name: 'stats_snapshots_stored_total',
      help: 'Snapshots stored, by source (fetched from stats.nba.com or imported)',
      labelNames: ['source'] as const,
      registers: [registry],
    }),
    mlflowFailures: new Counter({
      name: 'stats_mlflow_log_failures_total',
      help: 'Runs that could not be (fully) logged to MLflow',
      registers: [registry],
    }),
  };
}

export type StatsMetrics = ReturnType<typeof statsMetrics>;
