import { api } from '../api/client';

/**
 * Copies F(index) to the clipboard. The value is fetched only now, when asked for. Where the browser
 * accepts a pending ClipboardItem the write starts within the click, so the permission that a click
 * grants does not run out while a long value downloads.
 */
export async function copyValue(index: number): Promise<void> {
  const text = fetch(api.valueUrl(index)).then(async (response) => {
    if (!response.ok) throw new Error(`The value could not be read (${response.status}).`);
    return response.text();
  });
  if (typeof ClipboardItem !== 'undefined' && navigator.clipboard?.write) {
    const blob = text.then((value) => new Blob([value], { type: 'text/plain' }));
    await navigator.clipboard.write([new ClipboardItem({ 'text/plain': blob })]);
  } else if (navigator.clipboard?.writeText) {
    await navigator.clipboard.writeText(await text);
  } else {
    throw new Error('This browser does not allow copying here; use Download instead.');
  }
}
