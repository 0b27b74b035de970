import { StrictMode, useEffect, useState, type FormEvent } from 'react';
import { createRoot } from 'react-dom/client';

interface Calculation {
  index: number;
  status: string;
  head: string | null;
  digits: number | null;
}
interface Submission {
  id: string;
  index: number;
}

function App() {
  const [index, setIndex] = useState('');
  const [error, setError] = useState('');
  const [calculations, setCalculations] = useState<Calculation[]>([]);
  const [submissions, setSubmissions] = useState<Submission[]>([]);

  useEffect(() => {
    const load = async () => {
      setCalculations((await (await fetch('/api/calculations')).json()).items);
      setSubmissions((await (await fetch('/api/submissions')).json()).items);
    };
    const events = new EventSource('/api/events');
    events.addEventListener('ready', () => void load());
    events.addEventListener('calculation', (event) => {
      const calculation = JSON.parse(event.data) as Calculation;
      setCalculations((list) => [calculation, ...list.filter((c) => c.index !== calculation.index)]);
    });
    events.addEventListener('submission', (event) => {
      const submission = JSON.parse(event.data) as Submission;
      setSubmissions((list) => [submission, ...list.filter((s) => s.id !== submission.id)]);
    });
    return () => events.close();
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const response = await fetch('/api/calculations', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ index: Number(index) }),
    });
    setError(response.ok ? '' : (await response.json()).error.message);
  };

  return (
    <main>
      <h1>Fibonacci calculator</h1>
      <form onSubmit={submit}>
        <label htmlFor="index">Enter your index</label>
        <input id="index" value={index} onChange={(e) => setIndex(e.target.value)} inputMode="numeric" />
        <button type="submit">Calculate</button>
        {error && <p role="alert">{error}</p>}
      </form>
      <h2>Indexes I have seen</h2>
      <p>{submissions.map((s) => s.index).join(', ')}</p>
      <h2>Calculated values</h2>
      <ul>
        {calculations.map((c) => (
          <li key={c.index}>
            F({c.index}) = {c.status === 'done' ? c.head : c.status}
          </li>
        ))}
      </ul>
    </main>
  );
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
