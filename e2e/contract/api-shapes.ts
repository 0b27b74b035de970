/**
 * The web client declares the shapes of the API it reads (web/src/api/types.ts after docs/api.md, and
 * web/src/admin/types.ts after docs/operations.md); the server declares what it sends. This file holds the
 * two to each other: `npm test` typechecks it, and a shape changed on one side alone stops it compiling.
 */
import type { presentPage } from '../../server/src/api/presenters.js';
import type { clientConfig } from '../../server/src/api/routes/config.js';
import type { BackupService } from '../../server/src/backup/backup.service.js';
import type { JobName, JobState, RunningJob, ScheduleInfo, WorkerInfo } from '../../server/src/jobs/types.js';
import type { AdminService } from '../../server/src/services/admin.service.js';
import type { CalculationView, SubmissionView } from '../../server/src/services/calculation.view.js';
import type * as Admin from '../../web/src/admin/types.js';
import type { Calculation, CalculationStatus, ClientConfig, Page, Submission } from '../../web/src/api/types.js';

/**
 * `true` only when A and B are the same type, field by field: each assignable to the other is not enough,
 * since an optional field renamed on one side leaves both assignable.
 */
type Same<A, B> = (<T>() => T extends A ? 1 : 2) extends <T>() => T extends B ? 1 : 2 ? true : false;

export const sameShapes = {
  calculation: true satisfies Same<CalculationView, Calculation>,
  status: true satisfies Same<CalculationView['status'], CalculationStatus>,
  submission: true satisfies Same<SubmissionView, Submission>,
  page: true satisfies Same<ReturnType<typeof presentPage<CalculationView>>, Page<Calculation>>,
  config: true satisfies Same<ReturnType<typeof clientConfig>, ClientConfig>,
};

/** `true` when A fits B: what the server sends has all the web reads of it, where the web declares a part. */
type Fits<A, B> = [A] extends [B] ? true : false;

type Answer<F extends (...args: never[]) => Promise<unknown>> = Awaited<ReturnType<F>>;
/** GET /api/admin/stats sends the overview and where the queue dashboard is (server/src/api/routes/admin.ts). */
type StatsSent = Answer<AdminService['overview']> & { queueDashboard: string | null };
/** Stats fields checked on their own below: the web reads a part of workers and calculations, and schedules' names are an enum. */
type StatsParts = 'workers' | 'schedules' | 'slowest' | 'failed';

export const adminShapes = {
  stats: true satisfies Same<Omit<StatsSent, StatsParts>, Omit<Admin.Stats, StatsParts>>,
  statsRead: true satisfies Fits<StatsSent, Admin.Stats>,
  queueState: true satisfies Same<JobState, Admin.QueueState>,
  worker: true satisfies Fits<WorkerInfo, Admin.Worker>,
  // JSON carries the enum's values.
  jobName: true satisfies Same<`${JobName}`, Admin.JobName>,
  runningJob: true satisfies Same<Omit<RunningJob, 'name'>, Omit<Admin.RunningJob, 'name'>>,
  // JSON carries the enum's values.
  scheduleName: true satisfies Same<`${ScheduleInfo['name']}`, Admin.Schedule['name']>,
  schedule: true satisfies Same<Omit<ScheduleInfo, 'name'>, Omit<Admin.Schedule, 'name'>>,
  calculation: true satisfies Fits<CalculationView, Admin.Calculation>,
  retry: true satisfies Fits<Answer<AdminService['retry']>, Admin.Calculation>,
  backup: true satisfies Fits<Answer<BackupService['create']>, Admin.Backup>,
  backups: true satisfies Fits<Answer<BackupService['list']>, Admin.Backup[]>,
};
