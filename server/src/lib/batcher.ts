/**
 * Group commit for requests that each need a round trip: items added while earlier batches are under
 * way wait and go together in the next one. At light load an item goes alone, at once (after the
 * current turn of the event loop, so items that arrived together go together); under load, batches
 * grow to match how long a batch takes, and the round trips per item fall. With `linger`, a batch
 * that follows a large one (the sign of load) waits a little longer to gather more, as group commit
 * does: fewer, larger batches cost less per item, and at light load nothing waits.
 *
 * `run` answers a batch with one result per item, in order; if it throws, every item of the batch
 * fails with that error.
 */
export class Batcher<I, O> {
  private pending: Array<{ item: I; resolve: (result: O) => void; reject: (error: unknown) => void }> = [];
  private inFlight = 0;
  private scheduled = false;
  private lingering: NodeJS.Timeout | undefined;

  constructor(
    private readonly run: (items: I[]) => Promise<O[]>,
    private readonly options: {
      /** Items per batch at most. */
      maxSize: number;
      /** Batches under way at once at most; items wait beyond that. */
      maxInFlight: number;
      /** After a batch of `fromSize` items or more, the next waits `ms` (less if `maxSize` items gather). */
      linger?: { ms: number; fromSize: number };
    },
  ) {}

  add(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.pending.push({ item, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.lingering && this.pending.length >= this.options.maxSize) {
      clearTimeout(this.lingering);
      this.lingering = undefined;
    }
    if (this.scheduled || this.lingering || this.inFlight >= this.options.maxInFlight) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.flush();
    });
  }

  private flush(): void {
    while (this.pending.length > 0 && this.inFlight < this.options.maxInFlight) {
      const batch = this.pending.splice(0, this.options.maxSize);
      this.inFlight++;
      this.runBatch(batch).finally(() => {
        this.inFlight--;
        const { linger } = this.options;
        if (linger && batch.length >= linger.fromSize && !this.lingering) {
          this.lingering = setTimeout(() => {
            this.lingering = undefined;
            if (this.pending.length > 0) this.schedule();
          }, linger.ms);
        }
        if (this.pending.length > 0) this.schedule();
      });
    }
  }

  private async runBatch(batch: typeof this.pending): Promise<void> {
    try {
      const results = await this.run(batch.map(({ item }) => item));
      if (results.length !== batch.length) throw new Error(`a batch of ${batch.length} was answered with ${results.length} results`);
      batch.forEach(({ resolve }, i) => resolve(results[i]!));
    } catch (error) {
      for (const { reject } of batch) reject(error);
    }
  }
}
