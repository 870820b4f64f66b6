/**
 * A page that keeps state from both pushed events and reads it asks for
 * (a volunteer's offer arrives as `talk:offer`; "sync" reads the whole
 * status) must not let a read that was answered from before an event undo
 * it. Under load a read's answer can arrive after an event that happened
 * after the read was made: applied, it would take the offer off the page.
 *
 * So events are counted as they are heard, and a read whose answer comes back
 * after any event was heard is made again rather than applied.
 */
export class FreshReads {
  #heard = 0;

  /** Call for every event that changes what a read returns. */
  heard(): void {
    this.#heard += 1;
  }

  /**
   * Runs `read` until an answer comes back with no event heard meanwhile (at
   * most `tries` times; events come from people, so this settles at once),
   * and returns it; null if the last answer still crossed an event, or the
   * read gave nothing. The events themselves were applied as they came.
   */
  async read<T>(read: () => Promise<T | null>, tries = 5): Promise<T | null> {
    for (let i = 0; i < tries; i++) {
      const before = this.#heard;
      const answer = await read();
      if (answer === null) return null;
      if (this.#heard === before) return answer;
    }
    return null;
  }
}
