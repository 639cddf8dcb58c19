-- Training jobs with N replicas on one database (src/training/jobs.ts): any replica claims the
-- oldest queued job and holds it under a lease it keeps renewing; any replica fails a job whose
-- lease ran out, because its runner died. Progress events are rows, so a follower on any replica
-- streams every step of a job running on another.

alter table jobs add column runner text;
alter table jobs add column lease_expires_at timestamptz;
-- Running under 001 (one process, no lease): the old two-minute heartbeat rule becomes the lease.
update jobs
   set runner = 'a stats process of an earlier version', lease_expires_at = heartbeat_at + interval '2 minutes'
 where status = 'running';
drop index jobs_unfinished;
alter table jobs drop column heartbeat_at;
alter table jobs add constraint jobs_running_is_leased
  check (status <> 'running' or (runner is not null and lease_expires_at is not null));
-- The claim takes the oldest queued job; the sweep looks for running jobs whose lease ran out.
create index jobs_queued on jobs (created_at, id) where status = 'queued';
create index jobs_leases on jobs (lease_expires_at) where status = 'running';

-- One row per progress event, written with the job's progress in one transaction. The job row says
-- how a job ended; these say how it got there, step by step, for followers that were not watching.
create table job_events (
  id integer generated always as identity primary key,
  job_id uuid not null references jobs (id),
  steps_done integer not null,
  steps_total integer,
  clusterer text,
  created_at timestamptz not null default now()
);
create index job_events_by_job on job_events (job_id, id);
