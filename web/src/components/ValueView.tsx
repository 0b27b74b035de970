import type { Calculation } from '../api/types';
import { formatCount } from '../format/numbers';
import { previewValue } from '../format/value';

/** The value, or as much of it as the summary holds: never the full digits of a big value. */
export function ValueView({ calculation }: { calculation: Calculation }) {
  const preview = previewValue(calculation);
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
          <span aria-hidden="true">
            <span>{preview.head}</span>
            <span className="value-gap" title={`${formatCount(preview.hidden)} digits not shown`}>
              …<span className="value-gap-count">{formatCount(preview.hidden)} more…</span>
            </span>
            <span>{preview.tail}</span>
          </span>
        </p>
      );
  }
}
