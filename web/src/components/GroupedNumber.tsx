import { Fragment } from 'react';
import { formatCount } from '../format/numbers';

/**
 * A number with its digits grouped ("9,007,199,254,740,991"), which a narrow line may break after a
 * comma and nowhere else: never inside a group, never before the closing parenthesis of "F(…)".
 */
export function GroupedNumber({ value }: { value: number }) {
  return formatCount(value)
    .split(',')
    .map((group, i) => (
      <Fragment key={i}>
        {i > 0 && (
          <>
            ,<wbr />
          </>
        )}
        {group}
      </Fragment>
    ));
}
