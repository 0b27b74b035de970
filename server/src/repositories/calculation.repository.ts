import { sql } from 'kysely';
import type { Db } from '../db/database.js';
import type { CalculationRow, SubmissionRow } from '../db/schema.js';
import type { FibSummary } from '../fib/summary.js';
import { toPage, type Page, type PageRequest } from './page.js';

/** What a request knows before any computing: the summary, and whether an exact value will follow. */
export interface RequestedCalculation extends FibSummary {
  /** `false`: the summary is all there will be, so the calculation is done at once. */
  exact: boolean;
  /** Time the summary took, recorded as the computing time of a summary-only calculation. */
  durationMs: number;
}

export interface CompletedCalculation {
  /** The exact value as big-endian bytes. */
  bytes: Uint8Array;
  /** Its decimal digits when they came along (small values), else `null`: converted on first download. */
  decimal: string | null;
  durationMs: number;
}

export interface CalculationRequest {
  calculation: CalculationRow;
  /** Whether the request created the calculation or queued a failed one again. */
  changed: boolean;
  /** When a failed calculation was queued again by this request (its job's `since`). */
  requeuedAt?: Date;
}

/** A value computed for an attempt, for `finishMany`. */
export interface FinishedCalculation extends CompletedCalculation {
  index: number;
  attempt: number;
}

/** A submission to record: `submitMany` takes cheap ones in batches. */
export interface SubmissionRequest {
  index: number;
  /** Who asked: their address, an IPv6 one by its /64 (clientKey). */
  client: string;
  /** A request id recorded before leaves the submissions as they are. */
  requestId: string;
  summary: RequestedCalculation;
}

export interface SubmitResult extends CalculationRequest {
  /** The submission recorded, or undefined when its request id was recorded before. */
  submission: SubmissionRow | undefined;
}

/** A submission refused, nothing recorded: its request id belongs to another index. */
export interface RequestIdReused {
  /** The index the request id was recorded with, or came with first in the batch. */
  reusedFor: number;
}

export interface UnfinishedCalculation {
  index: number;
  attempt: number;
  /** The batch whose job computes it, or `null` for a job of its own. */
  batch: string | null;
}

/** The first key of the clients' advisory locks: two 32-bit keys, a space apart from any single 64-bit one. */
const CLIENT_LOCKS = 0x66696273; // "fibs"

export class CalculationRepository {
  constructor(private readonly db: Db) {}

  /**
   * Records a request for F(index) with its summary: a new calculation is queued (or done at once when
   * it is summary-only); a failed one is queued again as a new attempt; any other is left as it is.
   */
  async request(index: number, client: string, { digits, head, tail, exact, durationMs }: RequestedCalculation): Promise<CalculationRequest> {
    const upserted = await this.db
      .insertInto('calculations')
      .values({
        index,
        requested_by: client,
        digits,
        head,
        tail,
        exact,
        ...(exact ? {} : { status: 'done', duration_ms: durationMs, completed_at: sql<Date>`now()` }),
      })
      .onConflict((conflict) =>
        conflict
          .column('index')
          .doUpdateSet({
            status: 'queued',
            attempt: sql`calculations.attempt + 1`,
            error: null,
            batch: null,
            started_at: null,
            completed_at: null,
          })
          .where('calculations.status', '=', 'failed'),
      )
      .returningAll()
      .returning(sql<Date>`now()`.as('requeued_at'))
      .executeTakeFirst();
    if (upserted) {
      const { requeued_at: requeuedAt, ...calculation } = upserted;
      // Created now (`created_at` says as much), or a failed one queued again now.
      return { calculation, changed: true, requeuedAt };
    }
    const existing = await this.db.selectFrom('calculations').selectAll().where('index', '=', index).executeTakeFirstOrThrow();
    return { calculation: existing, changed: false };
  }

  /**
   * Many cheap submissions in one statement (one round trip, one commit): for each, records the request
   * for F(index) with its summary as `request` does, and the submission unless its request id was
   * recorded already. Answers one result per submission, in order; an index submitted twice in the batch
   * is one calculation, and only the first of them reports it `changed`. A submission whose request id
   * belongs to another index (recorded with it, or with it earlier in the batch) records nothing and is
   * answered `RequestIdReused`.
   */
  async submitMany(submissions: SubmissionRequest[]): Promise<Array<SubmitResult | RequestIdReused>> {
    const input = submissions.map(({ index, client, requestId, summary }) => ({
      index,
      client,
      request_id: requestId,
      digits: summary.digits,
      head: summary.head,
      tail: summary.tail,
      exact: summary.exact,
      duration_ms: summary.durationMs,
    }));
    // One statement, a function that keeps its plan for the session (migration 0005).
    const { rows } = await sql<
      CalculationRow & { position: number; changed: boolean | null; submission_id: number | null; submission_created_at: Date | null; reused_for: number | null }
    >`
      SELECT (r.calculation).*, r.request_position AS position, r.changed, r.submission_id, r.submission_created_at, r.reused_for
      FROM submit_calculations(${JSON.stringify(input)}::jsonb) AS r ORDER BY r.request_position`.execute(this.db);
    // Another transaction created a calculation while this statement ran: its row is visible now.
    const missing = rows.flatMap((row, i) => (row.changed === null && row.reused_for === null ? [submissions[i]!.index] : []));
    const created = missing.length === 0 ? [] : await this.db.selectFrom('calculations').selectAll().where('index', 'in', missing).execute();
    const seenIndexes = new Set<number>();
    const seenSubmissions = new Set<number>();
    return rows.map(({ position, changed, submission_id, submission_created_at, reused_for, ...calculation }, i) => {
      if (reused_for !== null) return { reusedFor: Number(reused_for) };
      const { index, requestId } = submissions[i]!;
      // An index or a request id that comes twice in one batch counts for the first of them.
      const first = !seenIndexes.has(index);
      seenIndexes.add(index);
      const submission =
        submission_id === null || seenSubmissions.has(submission_id) ? undefined : { id: submission_id, index, request_id: requestId, created_at: submission_created_at! };
      if (submission_id !== null) seenSubmissions.add(submission_id);
      if (changed === null) return { calculation: created.find((row) => row.index === index)!, changed: false, submission };
      return { calculation, changed: changed && first, submission };
    });
  }

  /**
   * Queues a failed calculation (of that attempt, if given) again as a new attempt, and says when;
   * undefined when it is not failed.
   */
  async requeueFailed(index: number, attempt?: number): Promise<(CalculationRow & { requeued_at: Date }) | undefined> {
    return this.db
      .updateTable('calculations')
      // Queued again alone: the job of its old batch may still be kept, finished, under the batch's id.
      .set({ status: 'queued', attempt: sql`attempt + 1`, error: null, started_at: null, completed_at: null, batch: null })
      .where('index', '=', index)
      .where('status', '=', 'failed')
      .$if(attempt !== undefined, (query) => query.where('attempt', '=', attempt!))
      .returningAll()
      .returning(sql<Date>`now()`.as('requeued_at'))
      .executeTakeFirst();
  }

  /** Holds `client`'s lock until the transaction ends (a transaction-level advisory lock). */
  async lockClient(client: string): Promise<void> {
    await sql`SELECT pg_advisory_xact_lock(${CLIENT_LOCKS}, hashtext(${client}))`.execute(this.db);
  }

  /** Calculations of at least `minIndex` that `client` asked for and that are not finished. */
  async countPending(client: string, minIndex: number): Promise<number> {
    const { count } = await this.db
      .selectFrom('calculations')
      .select((eb) => eb.fn.countAll<string>().as('count'))
      .where('requested_by', '=', client)
      .where('index', '>=', minIndex)
      .where('status', 'in', ['queued', 'running'])
      .executeTakeFirstOrThrow();
    return Number(count);
  }

  async find(index: number): Promise<CalculationRow | undefined> {
    return this.db.selectFrom('calculations').selectAll().where('index', '=', index).executeTakeFirst();
  }

  async list(page: PageRequest): Promise<Page<CalculationRow>> {
    let query = this.db.selectFrom('calculations').selectAll().orderBy('seq', 'desc').limit(page.limit + 1);
    if (page.before !== undefined) query = query.where('seq', '<', page.before);
    return toPage(await query.execute(), page.limit, (row) => row.seq);
  }

  /** The most recent calculations with their values when they are at most `maxDigits` long. */
  async recentWithSmallValues(limit: number, maxDigits: number): Promise<Array<CalculationRow & { value: string | null }>> {
    return this.db
      .selectFrom('calculations as c')
      .leftJoin('calculation_values as v', (join) =>
        join.onRef('v.index', '=', 'c.index').on('c.digits', '<=', maxDigits),
      )
      .selectAll('c')
      .select('v.decimal as value')
      .orderBy('c.seq', 'desc')
      .limit(limit)
      .execute();
  }

  /**
   * Claims a calculation for computing. Returns undefined when there is nothing to do (done, or the job
   * belongs to an older attempt), so a job delivered twice computes nothing the second time.
   */
  async start(index: number, attempt: number): Promise<CalculationRow | undefined> {
    return this.db
      .updateTable('calculations')
      .set({ status: 'running', runs: sql`runs + 1`, started_at: sql`now()` })
      .where('index', '=', index)
      .where('attempt', '=', attempt)
      .where('status', 'in', ['queued', 'running'])
      .returningAll()
      .executeTakeFirst();
  }

  /** Stores the value and marks the calculation done, once: a second completion changes nothing. */
  async complete(index: number, result: CompletedCalculation): Promise<CalculationRow | undefined> {
    return this.db.transaction().execute(async (trx) => {
      await trx
        .insertInto('calculation_values')
        .values({ index, bytes: result.bytes, decimal: result.decimal })
        .onConflict((c) => c.doNothing())
        .execute();
      return trx
        .updateTable('calculations')
        .set({
          status: 'done',
          duration_ms: result.durationMs,
          error: null,
          completed_at: sql`now()`,
        })
        .where('index', '=', index)
        .where('status', '!=', 'done')
        .returningAll()
        .executeTakeFirst();
    });
  }

  /**
   * Claims, stores and completes values computed before they were claimed, many in one statement (one
   * round trip, one commit): each record changes only if its attempt is still unfinished, and once.
   * Answers, in order, the completed calculation or undefined where there was nothing to complete.
   */
  async finishMany(values: FinishedCalculation[]): Promise<Array<CalculationRow | undefined>> {
    // In order of index: two statements finishing some of the same calculations (a batch's job run twice
    // at once) lock their rows in the same order, and one waits for the other instead of deadlocking.
    const ordered = [...values].sort((a, b) => a.index - b.index);
    // The bytes go as one binary parameter, each value placed in it by offset and length (migration 0007).
    let offset = 0;
    const input = ordered.map(({ index, attempt, bytes, decimal, durationMs }) => {
      const placed = { index, attempt, offset, length: bytes.byteLength, decimal, duration_ms: durationMs };
      offset += bytes.byteLength;
      return placed;
    });
    const packed = Buffer.concat(ordered.map(({ bytes }) => bytes));
    // One statement, a function that keeps its plan for the session.
    const { rows } = await sql<CalculationRow>`SELECT * FROM finish_calculations(${JSON.stringify(input)}::jsonb, ${packed}::bytea)`.execute(this.db);
    const completed = new Map(rows.map((row) => [`${row.index}/${row.attempt}`, row]));
    return values.map(({ index, attempt }) => completed.get(`${index}/${attempt}`));
  }

  async fail(index: number, attempt: number, error: string): Promise<CalculationRow | undefined> {
    return this.db
      .updateTable('calculations')
      .set({ status: 'failed', error, completed_at: sql`now()` })
      .where('index', '=', index)
      .where('attempt', '=', attempt)
      .where('status', '!=', 'done')
      .returningAll()
      .executeTakeFirst();
  }

  /** Unfinished calculations, oldest first, a page at a time (`after`: the last seq already seen). */
  async unfinished(after: number, limit: number): Promise<Array<UnfinishedCalculation & { seq: number }>> {
    return this.db
      .selectFrom('calculations')
      .select(['index', 'attempt', 'batch', 'seq'])
      .where('status', 'in', ['queued', 'running'])
      .where('seq', '>', after)
      .orderBy('seq')
      .limit(limit)
      .execute();
  }

  /**
   * Gives every unfinished calculation a new attempt, and each unfinished batch a new id its members
   * share, so that the jobs sent for them have ids never used before. After a restore, Redis may still
   * keep finished jobs under the ids this work had when the backup was taken: a job sent under one of
   * those would be taken as done, and the work would wait for that job to be pruned. Returns how many.
   */
  async renewUnfinished(): Promise<number> {
    const { numAffectedRows } = await sql`
      WITH renewed AS (
        SELECT batch, gen_random_uuid() AS id FROM calculations
        WHERE status IN ('queued', 'running') AND batch IS NOT NULL
        GROUP BY batch
      )
      UPDATE calculations
      SET attempt = attempt + 1, status = 'queued', started_at = NULL,
          batch = (SELECT renewed.id FROM renewed WHERE renewed.batch = calculations.batch)
      WHERE status IN ('queued', 'running')`.execute(this.db);
    return Number(numAffectedRows ?? 0);
  }

  /** The unfinished calculations of these batches. */
  async unfinishedInBatches(batches: string[]): Promise<Array<UnfinishedCalculation & { batch: string }>> {
    if (batches.length === 0) return [];
    return this.db
      .selectFrom('calculations')
      .select(['index', 'attempt', 'batch'])
      .where('batch', 'in', batches)
      .where('status', 'in', ['queued', 'running'])
      .orderBy('index')
      .$narrowType<{ batch: string }>()
      .execute();
  }

  /** The stored bytes of a value whose decimal is not cached yet; `undefined` once it is (or with no value). */
  async uncachedBytes(index: number): Promise<Uint8Array | undefined> {
    const row = await this.db
      .selectFrom('calculation_values')
      .select('bytes')
      .where('index', '=', index)
      .where('decimal', 'is', null)
      .executeTakeFirst();
    return row?.bytes ?? undefined;
  }

  /** Keeps the decimal of a value, converted once, for every later download. */
  async cacheDecimal(index: number, decimal: string): Promise<void> {
    await this.db.updateTable('calculation_values').set({ decimal }).where('index', '=', index).where('decimal', 'is', null).execute();
  }

  /** The decimal value in slices of `size` characters, so a value of millions of digits is never read whole. */
  async *valueChunks(index: number, size: number): AsyncGenerator<string> {
    for (let offset = 1; ; offset += size) {
      const row = await this.db
        .selectFrom('calculation_values')
        .select(sql<string>`substr(decimal, ${offset}, ${size})`.as('chunk'))
        .where('index', '=', index)
        .executeTakeFirst();
      if (!row?.chunk) return;
      yield row.chunk;
      if (row.chunk.length < size) return;
    }
  }
}
