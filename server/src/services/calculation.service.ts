import type { CalculationCache } from '../cache/cache.js';
import type { Db } from '../db/database.js';
import type { EventBus } from '../events/bus.js';
import { AppError } from '../lib/errors.js';
import { JobName, type JobQueue } from '../jobs/types.js';
import { CalculationRepository } from '../repositories/calculation.repository.js';
import type { Page, PageRequest } from '../repositories/page.js';
import { SubmissionRepository } from '../repositories/submission.repository.js';
import { toCalculationView, toSubmissionView, type CalculationView, type SubmissionView } from './calculation.view.js';

/** Who asked, as the cap on expensive work sees them. */
export interface Requester {
  /** The request id: a request sent again with the same id is recorded once. */
  requestId: string;
  /** The client's address. */
  client: string;
}

export interface ExpensiveWorkLimit {
  /** Indexes from this one up are expensive. */
  fromIndex: number;
  /** Expensive calculations one client may have unfinished at once. */
  maxPending: number;
}

/** What the API does with calculations: record requests, queue work, and read back what is known. */
export class CalculationService {
  private readonly calculations: CalculationRepository;
  private readonly submissions: SubmissionRepository;

  constructor(
    private readonly db: Db,
    private readonly queue: JobQueue,
    private readonly events: EventBus,
    private readonly cache: CalculationCache,
    private readonly expensive: ExpensiveWorkLimit,
  ) {
    this.calculations = new CalculationRepository(db);
    this.submissions = new SubmissionRepository(db);
  }

  /**
   * Records the submission and the calculation in one transaction, and only once it has committed
   * queues the job: a job never names a row that a rolled-back transaction took away. A request id seen
   * before (the proxy retrying a request) changes nothing and answers the same.
   */
  async submit(index: number, { requestId, client }: Requester): Promise<CalculationView> {
    const { request, submission } = await this.db.transaction().execute(async (trx) => {
      const calculations = new CalculationRepository(trx);
      if (index >= this.expensive.fromIndex) await this.checkPending(calculations, index, client);
      return { request: await calculations.request(index, client), submission: await new SubmissionRepository(trx).add(index, requestId) };
    });
    const { calculation, changed } = request;
    // A calculation still queued is enqueued again: a no-op while its job exists (the id is the same),
    // and the way a job lost with Redis is sent anew from the record.
    if (calculation.status === 'queued') {
      await this.queue.enqueue(JobName.ComputeFibonacci, { index, attempt: calculation.attempt });
    }
    const view = toCalculationView(calculation);
    if (!submission) return view;
    await this.events.publish({ type: 'submission', data: toSubmissionView(submission) });
    if (changed) await this.events.publish({ type: 'calculation', data: view });
    return view;
  }

  /** New expensive work is refused while the client already has its fill of it unfinished. */
  private async checkPending(calculations: CalculationRepository, index: number, client: string): Promise<void> {
    const existing = await calculations.find(index);
    if (existing && existing.status !== 'failed') return;
    if ((await calculations.countPending(client, this.expensive.fromIndex)) >= this.expensive.maxPending) {
      throw new AppError('TOO_MANY_PENDING', `you have ${this.expensive.maxPending} large calculations unfinished; wait for one to finish`, 10);
    }
  }

  async get(index: number): Promise<CalculationView> {
    const cached = await this.cache.get(index);
    if (cached) return cached;
    const row = await this.calculations.find(index);
    if (!row) throw new AppError('NOT_FOUND', `F(${index}) has never been requested`);
    const view = toCalculationView(row);
    if (view.status === 'done') await this.cache.set(view);
    return view;
  }

  async list(page: PageRequest): Promise<Page<CalculationView>> {
    const { items, next } = await this.calculations.list(page);
    return { items: items.map(toCalculationView), next };
  }

  async listSubmissions(page: PageRequest): Promise<Page<SubmissionView>> {
    const { items, next } = await this.submissions.list(page);
    return { items: items.map(toSubmissionView), next };
  }

  /** The decimal value in slices; the calculation must be done. */
  async value(index: number): Promise<{ calculation: CalculationView; chunks: AsyncIterable<string> }> {
    const calculation = await this.get(index);
    if (calculation.status !== 'done') {
      throw new AppError('NOT_READY', `F(${index}) is ${calculation.status}, not done yet`);
    }
    return { calculation, chunks: this.calculations.valueChunks(index, VALUE_CHUNK) };
  }

  /** The most recent calculations with small values, for the original app's "current values". */
  async recentValues(limit: number): Promise<Array<{ index: number; value: string | null }>> {
    const rows = await this.calculations.recentWithSmallValues(limit, COMPAT_MAX_DIGITS);
    return rows.map((row) => ({ index: row.index, value: row.value }));
  }
}

/** Characters read from Postgres at a time when streaming a value. */
const VALUE_CHUNK = 256 * 1024;
/** Values longer than this are not inlined in the compatibility listing. */
export const COMPAT_MAX_DIGITS = 1_000;
