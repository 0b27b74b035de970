import { useContext, useEffect, useState } from 'react';
import { api } from '../api/client';
import type { Calculation } from '../api/types';
import { formatCount } from '../format/numbers';
import { gapText, isShortValue, previewValue } from '../format/value';
import { ConnectedContext } from '../live/connected';

/** The value, or as much of it as the summary holds: never the full digits of a big value. */
export function ValueView({ calculation }: { calculation: Calculation }) {
  const value = useShortValue(calculation);
  const preview = previewValue(calculation, value);
  switch (preview.kind) {
    case 'pending':
      return <p className="value value-pending">{calculation.status === 'failed' ? 'No value' : 'Computing…'}</p>;
    case 'whole':
      return <p className="value">{preview.digits}</p>;
    case 'ends':
      return (
        <p className="value">
          {/* Read out as a sentence (a paragraph takes no label); the ends and the gap are for the eye. */}
          <span className="visually-hidden">
            Begins {preview.head}, ends {preview.tail}; {formatCount(preview.hidden)} digits between are not shown.
          </span>
          {/* On a phone the ends take a line each: the first ends in "…", the second begins with it. */}
          <span className="value-ends" aria-hidden="true">
            <span className="value-end">
              {preview.head}
              <span className="value-gap" title={`${formatCount(preview.hidden)} digits not shown`}>
                <span className="value-gap-wide">{gapText(preview.hidden)}</span>
                <span className="value-gap-narrow">…</span>
              </span>
            </span>
            <wbr />
            <span className="value-end">
              <span className="value-gap value-gap-narrow">…</span>
              {preview.tail}
            </span>
          </span>
        </p>
      );
  }
}

/** Short values read so far (`isShortValue`): a few dozen indexes at most, each value under 52 bytes. */
const shortValues = new Map<number, string>();

/**
 * The full value of a short, exact, done calculation, read once: its ends alone would be abbreviated
 * by a gap as wide as the digits it hides. Null for any other value, and until it is read. A read the
 * network failed is tried again when the page is live again.
 */
function useShortValue({ index, status, exact, digits }: Calculation): string | null {
  const wanted = status === 'done' && exact && digits !== null && isShortValue(digits);
  const [read, setRead] = useState<string | null>(null);
  const connected = useContext(ConnectedContext);
  useEffect(() => {
    if (!wanted || shortValues.has(index)) return;
    let active = true;
    api.value(index).then(
      (text) => {
        shortValues.set(index, text);
        if (active) setRead(text);
      },
      // Unread, the value keeps showing its ends.
      () => undefined,
    );
    return () => {
      active = false;
    };
  }, [index, wanted, connected]);
  return wanted ? (shortValues.get(index) ?? read) : null;
}
