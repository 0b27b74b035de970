/** F(n) the slow, obvious way: an independent check of the server's engine. */
export function referenceFibonacci(n: number): bigint {
  let [a, b] = [0n, 1n];
  for (let i = 0; i < n; i++) [a, b] = [b, a + b];
  return a;
}
