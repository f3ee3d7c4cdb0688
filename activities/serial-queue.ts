/**
 * Runs tasks one at a time, in call order, within this process. The worker is
 * the only process writing the warehouse, so this is enough to keep two of its
 * transactions from racing for the same key (DuckDB would abort one of them
 * with a conflict and Temporal would retry it after a back-off).
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const next = this.tail.then(task);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
