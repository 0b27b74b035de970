import { memo } from 'react';
import type { Submission } from '../api/types';
import { formatMoment } from '../format/time';
import { GroupedNumber } from './GroupedNumber';

export const SubmissionItem = memo(function SubmissionItem({ submission }: { submission: Submission }) {
  return (
    <li className="submission" tabIndex={-1}>
      <span className="submission-index">
        <GroupedNumber value={submission.index} />
      </span>
      <time className="submission-time" dateTime={submission.createdAt}>
        {formatMoment(submission.createdAt)}
      </time>
    </li>
  );
});
