/**
 * Dense numbers for distinct values (keys, automaton states, …), in order of first appearance:
 * analyses then index typed arrays by number instead of keeping a map per value.
 */
export class Interner<T> {
  private readonly ids = new Map<T, number>();
  /** The values, by number. */
  readonly values: T[] = [];

  /** The value's number, assigning the next one when it is new. */
  id(x: T): number {
    let id = this.ids.get(x);
    if (id === undefined) {
      id = this.values.length;
      this.ids.set(x, id);
      this.values.push(x);
    }
    return id;
  }

  get size(): number {
    return this.values.length;
  }
}
