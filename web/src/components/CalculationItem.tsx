import { memo } from 'react';
import type { Calculation } from '../api/types';
import { formatDigitCount, formatDuration } from '../format/numbers';
import { CalculationActions } from './CalculationActions';
import { GroupedNumber } from './GroupedNumber';
import { StatusBadge } from './StatusBadge';
import { ValueView } from './ValueView';

interface Props {
  calculation: Calculation;
  onRetry: (index: number) => Promise<unknown>;
  announce: (text: string) => void;
}

/** Memoised: a live list re-renders on every event, but only the item that changed needs to. */
export const CalculationItem = memo(function CalculationItem({ calculation, onRetry, announce }: Props) {
  const { index, status, digits, durationMs, error } = calculation;
  return (
    <li className={`calculation is-${status}`} data-index={index} tabIndex={-1}>
      <div className="calculation-head">
        <h3 className="calculation-name">
          F(
          <span className="calculation-index">
            <GroupedNumber value={index} />
          </span>
          )
        </h3>
        <StatusBadge status={status} />
      </div>
      <ValueView calculation={calculation} />
      <div className="calculation-foot">
        <p className="meta">
          {status === 'failed' ? (
            <span className="failure">{error ?? 'The calculation failed.'}</span>
          ) : (
            <>
              {digits !== null && <span>{formatDigitCount(digits)}</span>}
              {durationMs !== null && <span>computed in {formatDuration(durationMs)}</span>}
              {!calculation.exact && (
                <span className="summary-only">Too large to work out in full: only its length and first and last digits are known, so there is nothing to copy or download.</span>
              )}
              {status === 'queued' && <span>Waiting for a worker</span>}
              {status === 'running' && <span>A worker is on it</span>}
            </>
          )}
        </p>
        <CalculationActions calculation={calculation} onRetry={onRetry} announce={announce} />
      </div>
    </li>
  );
});
