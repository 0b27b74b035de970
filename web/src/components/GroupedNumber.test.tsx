import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { GroupedNumber } from './GroupedNumber';

describe('GroupedNumber', () => {
  it('offers a line break after each comma, and nowhere else', () => {
    expect(renderToStaticMarkup(<GroupedNumber value={9_007_199_254_740_991} />)).toBe('9,<wbr/>007,<wbr/>199,<wbr/>254,<wbr/>740,<wbr/>991');
  });

  it('writes a number of one group as it is', () => {
    expect(renderToStaticMarkup(<GroupedNumber value={999} />)).toBe('999');
    expect(renderToStaticMarkup(<GroupedNumber value={0} />)).toBe('0');
  });
});
