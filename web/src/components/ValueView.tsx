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
        <p className="value" aria-label={`begins ${preview.head}, ends ${preview.tail}`}>
          <span>{preview.head}</span>
          <span className="value-gap" title={`${formatCount(preview.hidden)} digits not shown`}>
            …<span className="value-gap-count">{formatCount(preview.hidden)} more…</span>
          </span>
          <span>{preview.tail}</span>
        </p>
      );
  }
}
