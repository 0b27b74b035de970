/** Reading a process's metrics as Prometheus scrapes them (`/metrics`, text format). */

/** The value of the first sample of `name` carrying every label given, in any order; undefined if none does. */
export function metricSample(text: string, name: string, labels: Record<string, string>): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = text.split('\n').find((candidate) => {
    const match = /^(\w+)\{(.*)\} /.exec(candidate);
    return match?.[1] === name && wanted.every((pair) => match[2]!.split(',').includes(pair));
  });
  return line === undefined ? undefined : Number(line.split(' ').at(-1));
}
