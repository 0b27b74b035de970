import { api } from '../api/client';

/**
 * Copies F(index) to the clipboard. The value is fetched only now, when asked for. Where the browser
 * accepts a pending ClipboardItem the write starts within the click, so the permission that a click
 * grants does not run out while a long value downloads.
 */
export async function copyValue(index: number): Promise<void> {
  // A server out of reach is said as the rest of the page says it, not in the browser's words.
  const text = api.value(index);
  if (typeof ClipboardItem !== 'undefined' && navigator.clipboard?.write) {
    const blob = text.then((value) => new Blob([value], { type: 'text/plain' }));
    try {
      await navigator.clipboard.write([new ClipboardItem({ 'text/plain': blob })]);
    } catch (error) {
      // The write fails with the value's read, in whatever words the browser has: the read's own are clearer.
      await text;
      throw error;
    }
  } else if (navigator.clipboard?.writeText) {
    await navigator.clipboard.writeText(await text);
  } else {
    throw new Error('This browser does not allow copying here; use Download instead.');
  }
}
