/** A server-sent events client for tests: records every event it receives. */
export interface ReceivedEvent {
  type: string;
  data: unknown;
}

export class SseClient {
  readonly events: ReceivedEvent[] = [];
  /** Told of each event as it arrives: a wait ends the moment its event does (latency is measured by it). */
  private readonly arrivals = new EventTarget();
  private readonly controller = new AbortController();
  private reading: Promise<void> = Promise.resolve();

  private constructor(readonly url: string) {}

  /** Connects and resolves once the server's `ready` event has arrived. */
  static async connect(url: string): Promise<SseClient> {
    const client = new SseClient(url);
    const response = await fetch(url, { headers: { accept: 'text/event-stream' }, signal: client.controller.signal });
    if (!response.ok || !response.body) throw new Error(`${url} answered ${response.status}`);
    client.reading = client.read(response.body);
    await client.waitFor((event) => event.type === 'ready');
    return client;
  }

  /** Resolves with the first event matching `predicate`, waiting up to `timeoutMs` for it. */
  async waitFor(predicate: (event: ReceivedEvent) => boolean, timeoutMs = 15_000): Promise<ReceivedEvent> {
    const found = this.events.find(predicate);
    if (found) return found;
    return new Promise((resolve, reject) => {
      const onArrival = () => {
        const event = this.events.at(-1)!;
        if (!predicate(event)) return;
        clearTimeout(timer);
        this.arrivals.removeEventListener('event', onArrival);
        resolve(event);
      };
      const timer = setTimeout(() => {
        this.arrivals.removeEventListener('event', onArrival);
        reject(new Error(`no matching event from ${this.url} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.arrivals.addEventListener('event', onArrival);
    });
  }

  async close(): Promise<void> {
    this.controller.abort();
    await this.reading.catch(() => {});
  }

  private async read(body: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of body) {
      buffer += decoder.decode(chunk, { stream: true });
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        this.parse(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  }

  private parse(frame: string): void {
    let type = 'message';
    const data: string[] = [];
    for (const line of frame.split('\n')) {
      if (line.startsWith('event:')) type = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (data.length === 0) return;
    this.events.push({ type, data: JSON.parse(data.join('\n')) });
    this.arrivals.dispatchEvent(new Event('event'));
  }
}
