/** A bounded ring: the newest `capacity` items, oldest first on read. Memory stays flat at 10 Hz forever. */
export class Ring<T> {
  private readonly items: T[] = [];
  private head = 0;
  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`ring capacity must be a positive integer, got ${capacity}`);
  }
  push(item: T): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else {
      this.items[this.head] = item;
      this.head = (this.head + 1) % this.capacity;
    }
  }
  get size(): number {
    return this.items.length;
  }
  toArray(): T[] {
    return [...this.items.slice(this.head), ...this.items.slice(0, this.head)];
  }
  /** Items with `t >= since` (items must carry a time). */
  since(this: Ring<T & { t: number }>, since: number): T[] {
    return this.toArray().filter((x) => x.t >= since);
  }
}
