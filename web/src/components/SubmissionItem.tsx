import { memo } from 'react';
import type { Submission } from '../api/types';
import { formatCount } from '../format/numbers';

const time = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** Memoised: a live list re-renders on every event, but only the item that changed needs to. */
export const SubmissionItem = memo(function SubmissionItem({ submission }: { submission: Submission }) {
  return (
    <li className="submission">
      <span className="submission-index">{formatCount(submission.index)}</span>
      <time className="submission-time" dateTime={submission.createdAt}>
        {time.format(new Date(submission.createdAt))}
      </time>
    </li>
  );
});
