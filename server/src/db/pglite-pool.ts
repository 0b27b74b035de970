/**
 * Lets Kysely's Postgres dialect drive an embedded PGlite database. PGlite has a single backend, so
 * "connections" are handed out one at a time: a transaction owns the database until it releases it.
 */
import type { PGlite } from '@electric-sql/pglite';
import type { PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';

export class PGlitePool implements PostgresPool {
  private tail: Promise<void> = Promise.resolve();

  constructor(
    private readonly pglite: PGlite,
    /** What follows closing the database: its data folder is let go. */
    private readonly onClosed: () => Promise<void> = async () => {},
  ) {}

  async connect(): Promise<PostgresPoolClient> {
    let release!: () => void;
    const previous = this.tail;
    this.tail = new Promise((resolve) => (release = resolve));
    await previous;
    const query = async <R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>> => {
      const result = await this.pglite.query<R>(sql, parameters as unknown[]);
      return { command: commandOf(sql), rowCount: result.affectedRows ?? result.rows.length, rows: result.rows };
    };
    // Kysely asks for cursors only when a query is streamed, which this project never does.
    return { query: query as PostgresPoolClient['query'], release };
  }

  /** Runs `work` with the database to itself: no transaction is open meanwhile, nor starts. */
  async exclusive<T>(work: (pglite: PGlite) => Promise<T>): Promise<T> {
    const { release } = await this.connect();
    try {
      return await work(this.pglite);
    } finally {
      release();
    }
  }

  async end(): Promise<void> {
    await this.tail;
    try {
      await this.pglite.close();
    } finally {
      await this.onClosed();
    }
  }
}

function commandOf(sql: string): PostgresQueryResult<unknown>['command'] {
  const word = /^\s*(\w+)/.exec(sql)?.[1]?.toUpperCase();
  return word === 'INSERT' || word === 'UPDATE' || word === 'DELETE' || word === 'MERGE' ? word : 'SELECT';
}
