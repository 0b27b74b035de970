import { jobId, type JobName, type JobQueue, type JobRequest } from './types.js';

/** What sends jobs: a queue, or an outbox in front of one. */
export type JobSender = Pick<JobQueue, 'enqueueMany'>;

/** Jobs kept for sending when the queue is back, at most (a batch job names up to 500 calculations). */
const MAX_UNSENT_JOBS = 1_000;

/**
 * Sends jobs of work whose records have committed. Those the queue refuses (Redis away) are kept and
 * sent by `flush` when it is back, or with the next jobs it takes, so that such work does not wait for
 * the next reconciliation. The caller still fails (a 503): the client learns of the outage, and its
 * retry finds the work recorded.
 *
 * One per api process, shared by everything there that records work before queueing it.
 */
export class JobOutbox implements JobSender {
  /** Jobs the queue refused, by id: a retried request's job is kept once. */
  private readonly unsent = new Map<string, JobRequest>();

  constructor(
    private readonly queue: JobSender,
    private readonly maxUnsent = MAX_UNSENT_JOBS,
  ) {}

  async enqueueMany(jobs: JobRequest[]): Promise<void> {
    try {
      await this.queue.enqueueMany(jobs);
    } catch (error) {
      this.keep(jobs);
      throw error;
    }
    // Nothing is lost to the ignored failure: what the queue refuses again, enqueueMany has kept again.
    if (this.unsent.size > 0) void this.flush().catch(() => {});
  }

  /** Sends the jobs the queue refused; those it refuses again are kept again. */
  async flush(): Promise<void> {
    const jobs = [...this.unsent.values()];
    this.unsent.clear();
    if (jobs.length > 0) await this.enqueueMany(jobs);
  }

  /** Past `maxUnsent`, the oldest are dropped: their work waits for reconciliation. */
  private keep(jobs: JobRequest[]): void {
    for (const job of jobs) {
      const id = jobId<JobName>(job.name, job.payload);
      this.unsent.delete(id);
      this.unsent.set(id, job);
    }
    for (const id of this.unsent.keys()) {
      if (this.unsent.size <= this.maxUnsent) break;
      this.unsent.delete(id);
    }
  }
}
