import { type FormEvent, useId, useRef, useState } from 'react';
import { ApiError, isUnreachable } from '../api/client';
import { formatCount } from '../format/numbers';
import { validateIndex } from '../form/validateIndex';
import { useProblem } from '../live/connected';

interface Props {
  maxIndex: number | null;
  /** Above this index only a value's length and ends are known; null while unknown or if there is none. */
  maxExactIndex: number | null;
  onSubmit: (index: number) => Promise<unknown>;
}

const examples = [10, 90, 1_000, 100_000];

/**
 * The index field. Mistakes are explained as soon as the field has been left or submitted once, then
 * live while it is corrected; the server's own message replaces the local one when it answers an error.
 * An example chip calculates its index as if it had been typed and submitted.
 */
export function IndexForm({ maxIndex, maxExactIndex, onSubmit }: Props) {
  const [text, setText] = useState('');
  const [checked, setChecked] = useState(false);
  // The server's refusal, and whether it is of the index (the field is then marked invalid; a server
  // away or busy is not the index's fault), or only that the server could not be reached.
  const [serverError, setServerError] = useProblem<{ message: string; ofIndex: boolean; unreachable: boolean }>();
  // What was typed of each submission not answered yet. A submission does not wait for the one before:
  // the page takes their answers in any order (useOwnSubmissions' `submit`).
  const [pending, setPending] = useState<readonly string[]>([]);
  // What the field holds now, read when an answer comes: by then the reader may have typed on.
  const current = useRef(text);
  const input = useRef<HTMLInputElement>(null);
  const id = useId();

  const check = validateIndex(text, maxIndex);
  const message = serverError?.message ?? (checked && !check.ok ? check.problem.message : null);
  const invalid = serverError ? serverError.ofIndex : message !== null;
  // What the field holds is on its way already: Enter or the button would only send it twice.
  const sending = pending.includes(text);

  function edit(next: string) {
    current.current = next;
    setText(next);
    setServerError(null);
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    void send(text, true);
  }

  /** Sends `sent`, what the field holds; with `refocus`, the field takes the focus once it is answered. */
  async function send(sent: string, refocus: boolean) {
    if (pending.includes(sent)) return;
    setChecked(true);
    setServerError(null);
    const check = validateIndex(sent, maxIndex);
    if (!check.ok) {
      input.current?.focus();
      return;
    }
    setPending((texts) => [...texts, sent]);
    try {
      await onSubmit(check.index);
      // Cleared only if it still holds what was sent: what was typed since stays. A
      // message about another submission, failed meanwhile, stays too.
      if (current.current === sent) {
        current.current = '';
        setText('');
        setChecked(false);
      }
    } catch (error) {
      const problem =
        error instanceof ApiError
          ? { message: error.message, ofIndex: error.code.startsWith('INDEX_'), unreachable: isUnreachable(error) }
          : { message: 'Something went wrong. Try again.', ofIndex: false, unreachable: false };
      // Typed over since, the field holds another index: the message says which one it is about.
      setServerError(current.current === sent ? problem : { ...problem, message: `F(${check.index}): ${problem.message}`, ofIndex: false });
    } finally {
      setPending((texts) => texts.filter((_, at) => at !== texts.indexOf(sent)));
      // Ready for the next index (the button, disabled while sending, lost the focus). A chip keeps it.
      if (refocus) input.current?.focus();
    }
  }

  return (
    <form className="index-form" onSubmit={submit} noValidate aria-busy={pending.length > 0}>
      <label htmlFor={`${id}-index`} className="index-label">
        Enter your index
      </label>
      <div className="index-row">
        <span className="index-prefix" aria-hidden="true">
          F(
        </span>
        <input
          ref={input}
          id={`${id}-index`}
          name="index"
          className="index-input"
          inputMode="numeric"
          autoComplete="off"
          spellCheck={false}
          placeholder="n"
          value={text}
          aria-invalid={invalid}
          aria-describedby={`${id}-hint ${id}-error`}
          onChange={(event) => edit(event.target.value)}
          onBlur={() => text.trim() !== '' && setChecked(true)}
        />
        <span className="index-prefix" aria-hidden="true">
          )
        </span>
        <button type="submit" className="button primary" disabled={sending}>
          {sending ? 'Sending…' : 'Calculate'}
        </button>
      </div>
      <p id={`${id}-hint`} className="field-hint">
        A whole number from 0{maxIndex === null ? '' : ` to ${formatCount(maxIndex)}`}.{' '}
        {maxExactIndex === null
          ? 'F(0) = 0, F(1) = 1.'
          : `Every digit up to F(${formatCount(maxExactIndex)}); above that, its length and its first and last digits.`}
      </p>
      <p id={`${id}-error`} className="field-error" aria-live="assertive">
        {message}
      </p>
      <div className="examples" role="group" aria-labelledby={`${id}-examples`}>
        <span id={`${id}-examples`}>Try</span>
        {examples.filter((example) => maxIndex === null || example <= maxIndex).map((example) => (
          <button
            key={example}
            type="button"
            className="chip"
            onClick={() => {
              edit(String(example));
              void send(String(example), false);
            }}
          >
            {formatCount(example)}
          </button>
        ))}
      </div>
    </form>
  );
}
