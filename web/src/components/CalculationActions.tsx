import { useState } from 'react';
import { copyValue } from '../actions/copyValue';
import { useAction } from '../actions/useAction';
import { api } from '../api/client';
import type { Calculation } from '../api/types';

interface Props {
  calculation: Calculation;
  onRetry: (index: number) => Promise<unknown>;
  announce: (text: string) => void;
}

/**
 * Copy and download for a done value that is exact (a summary-only one has no value to copy); retry for
 * a failed one. A failure is said below the buttons. A summary-only value that has not failed will never
 * have an action: it has no action row, rather than an empty one kept at a button's height.
 */
export function CalculationActions({ calculation, onRetry, announce }: Props) {
  const { run, running, error } = useAction();
  const [copied, setCopied] = useState(false);
  const name = `F(${calculation.index})`;

  /** Runs the action and, when it succeeds, says `success` to screen readers; answers whether it did. */
  async function runAndAnnounce(action: () => Promise<unknown>, success: string): Promise<boolean> {
    const succeeded = await run(action);
    if (succeeded) announce(success);
    return succeeded;
  }

  async function copy() {
    if (await runAndAnnounce(() => copyValue(calculation.index), `${name} copied to the clipboard.`)) {
      setCopied(true);
      setTimeout(() => setCopied(false), 2_000);
    }
  }

  if (!calculation.exact && calculation.status !== 'failed') return null;

  return (
    <>
      <div className="actions">
        {calculation.status === 'failed' && (
          <button
            type="button"
            className="button"
            disabled={running}
            aria-label={`Retry ${name}`}
            onClick={async (event) => {
              // Queued again, the card loses this button: the focus goes to the card, not to the page's top.
              const card = event.currentTarget.closest<HTMLElement>('li');
              if (await runAndAnnounce(() => onRetry(calculation.index), `${name} queued again.`)) card?.focus();
            }}
          >
            Retry
          </button>
        )}
        {calculation.status === 'done' && calculation.exact && (
          <>
            <button type="button" className="button" disabled={running} aria-label={`Copy ${name}`} onClick={copy}>
              {copied ? 'Copied' : 'Copy'}
            </button>
            <a
              className="button"
              href={api.valueUrl(calculation.index)}
              download={`fibonacci-${calculation.index}.txt`}
              aria-label={`Download ${name}`}
            >
              Download
            </a>
          </>
        )}
      </div>
      {error && (
        <p className="action-problem" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
