/**
 * Wraps an async task so calls never overlap: a call made while it runs asks for one more run after it,
 * however many such calls there were. Bursts of live events thus cost at most two reads.
 */
export function coalesce(task: () => Promise<void>): () => void {
  let running = false;
  let again = false;
  async function run(): Promise<void> {
    running = true;
    do {
      again = false;
      await task().catch(() => undefined);
    } while (again);
    running = false;
  }
  return () => {
    if (running) again = true;
    else void run();
  };
}
