/** Adjusted Rand index of two labelings of the same items (1 = identical partitions, ~0 = chance). */
export function adjustedRandIndex(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  if (a.length !== b.length) throw new RangeError(`labelings differ in length: ${a.length} vs ${b.length}`);
  const n = a.length;
  const table = new Map<string, number>();
  const rows = new Map<string, number>();
  const cols = new Map<string, number>();
  for (let i = 0; i < n; i++) {
    const ka = String(a[i]);
    const kb = String(b[i]);
    table.set(`${ka}\u0000${kb}`, (table.get(`${ka}\u0000${kb}`) ?? 0) + 1);
    rows.set(ka, (rows.get(ka) ?? 0) + 1);
    cols.set(kb, (cols.get(kb) ?? 0) + 1);
  }
  const c2 = (x: number) => (x * (x - 1)) / 2;
  let index = 0;
  for (const v of table.values()) index += c2(v);
  let sumA = 0;
  for (const v of rows.values()) sumA += c2(v);
  let sumB = 0;
  for (const v of cols.values()) sumB += c2(v);
  const expected = (sumA * sumB) / c2(n);
  const max = (sumA + sumB) / 2;
  if (max === expected) return 1; // both partitions trivial (all one cluster or all singletons)
  return (index - expected) / (max - expected);
}
