import { useState } from 'react';
import { copyValue } from '../actions/copyValue';
import { api } from '../api/client';
import type { Calculation } from '../api/types';

interface Props {
  calculation: Calculation;
  onRetry: (index: number) => Promise<unknown>;
  announce: (text: string) => void;
}

/** Copy and download for a done value; retry for a failed one. */
export function CalculationActions({ calculation, onRetry, announce }: Props) {
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);
  const name = `F(${calculation.index})`;

  async function run(action: () => Promise<unknown>, success: string) {
    setBusy(true);
    try {
      await action();
      announce(success);
      return true;
    } catch (error) {
      announce(error instanceof Error ? error.message : String(error));
      return false;
    } finally {
      setBusy(false);
    }
  }

  if (calculation.status === 'failed') {
    return (
      <div className="actions">
        <button type="button" className="button" disabled={busy} aria-label={`Retry ${name}`}
          onClick={() => void run(() => onRetry(calculation.index), `${name} queued again.`)}>
          Retry
        </button>
      </div>
    );
  }
  if (calculation.status !== 'done') return <div className="actions" />;
  return (
    <div className="actions">
      <button
        type="button"
        className="button"
        disabled={busy}
        aria-label={`Copy ${name}`}
        onClick={async () => {
          if (await run(() => copyValue(calculation.index), `${name} copied to the clipboard.`)) {
            setCopied(true);
            setTimeout(() => setCopied(false), 2_000);
          }
        }}
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
      <a className="button" href={api.valueUrl(calculation.index)} download={`fibonacci-${calculation.index}.txt`}
        aria-label={`Download ${name}`}>
        Download
      </a>
    </div>
  );
}
