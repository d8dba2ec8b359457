/**
 * Runs async work one at a time per key, within this process. A domain operation that
 * reads, checks and then writes (suspend: "is it already suspended?") must not interleave
 * with another on the same record, or both pass the check and the later write silently
 * undoes the earlier one (a PATCH racing a suspend would resurrect the agent).
 *
 * This does not order writers in other processes; a store shared by several processes
 * needs conditional writes for that.
 */
export class KeyedMutex {
  private readonly tails = new Map<string, Promise<void>>();

  /**
   * Runs `fn` once every earlier `run` with the same key has settled.
   *
   * @example
   * const mutex = new KeyedMutex();
   * await mutex.run('agent:a', async () => update());
   */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(fn);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }
}
