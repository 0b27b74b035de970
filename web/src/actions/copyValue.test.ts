import { afterEach, describe, expect, it, vi } from 'vitest';
import { copyValue } from './copyValue';

const unreachable = 'The server cannot be reached. Check your connection and try again.';

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('copying a value', () => {
  it('says a server out of reach in the page’s words, not the browser’s', async () => {
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('Failed to fetch')));
    const writeText = vi.fn(async (_text: string) => {});
    vi.stubGlobal('navigator', { clipboard: { writeText } });
    await expect(copyValue(5)).rejects.toThrow(unreachable);
    expect(writeText).not.toHaveBeenCalled();
  });

  it('says it so too when the clipboard is handed the value still pending, whatever the clipboard says', async () => {
    vi.stubGlobal('fetch', () => Promise.reject(new TypeError('Failed to fetch')));
    vi.stubGlobal(
      'ClipboardItem',
      class {
        constructor(readonly items: Record<string, Promise<Blob>>) {}
      },
    );
    // As a browser may: the pending value's failure becomes the write's, in its own words.
    const write = async ([item]: { items: Record<string, Promise<Blob>> }[]) => {
      await item!.items['text/plain']!.catch(() => {
        throw new Error('Failed to write to the clipboard.');
      });
    };
    vi.stubGlobal('navigator', { clipboard: { write } });
    await expect(copyValue(5)).rejects.toThrow(unreachable);
  });

  it('copies the value it reads', async () => {
    const fetch = vi.fn(async (_url: string) => new Response('5'));
    vi.stubGlobal('fetch', fetch);
    const writeText = vi.fn(async (_text: string) => {});
    vi.stubGlobal('navigator', { clipboard: { writeText } });
    await copyValue(5);
    expect(fetch.mock.calls[0]?.[0]).toBe('/api/calculations/5/value');
    expect(writeText).toHaveBeenCalledWith('5');
  });
});
