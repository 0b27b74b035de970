import { memo } from 'react';
import type { Submission } from '../api/types';
import { formatCount } from '../format/numbers';
import { formatMoment } from '../format/time';

export const SubmissionItem = memo(function SubmissionItem({ submission }: { submission: Submission }) {
  return (
    <li className="submission" tabIndex={-1}>
      <span className="submission-index">{formatCount(submission.index)}</span>
      <time className="submission-time" dateTime={submission.createdAt}>
        {formatMoment(submission.createdAt)}
      </time>
    </li>
  );
});
