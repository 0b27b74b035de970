/**
 * Indexes up to this one are computed on the calling thread: F(100,000) has 20,899 digits and takes
 * 0.1 ms on GMP, 0.4 ms on BigInt, about what handing it to a thread and back costs, and short enough
 * not to hold up the event loop. The API batches submissions below EXPENSIVE_INDEX, which may not
 * exceed it: a batch's values are computed one after another on the worker's own thread.
 */
export const INLINE_MAX_INDEX = 100_000;
