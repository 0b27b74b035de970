/** While the page is hidden it gets no frames: what arrives is handed over on a timer instead. */
const HIDDEN_DELAY_MS = 250;
/** Handed over at once past this many, whatever the schedule: a page kept hidden buffers no more. */
const MAX_PENDING = 5_000;

/**
 * Collects what arrives between two frames and hands it over once, in order of arrival: a burst of
 * live events costs one merge and one render, not one of each per event.
 */
export function frameBatch<T>(deliver: (items: T[]) => void, schedule: (run: () => void) => void = nextFrame): (item: T) => void {
  let pending: T[] = [];
  const run = () => {
    const items = pending;
    pending = [];
    if (items.length > 0) deliver(items);
  };
  return (item) => {
    if (pending.length === 0) schedule(run);
    pending.push(item);
    if (pending.length >= MAX_PENDING) run();
  };
}

function nextFrame(run: () => void): void {
  if (document.hidden) {
    setTimeout(run, HIDDEN_DELAY_MS);
    return;
  }
  // A frame, or the timer if the page is hidden before its frame comes (it would wait to be shown).
  let ran = false;
  const once = () => {
    if (ran) return;
    ran = true;
    run();
  };
  requestAnimationFrame(once);
  setTimeout(once, HIDDEN_DELAY_MS);
}
