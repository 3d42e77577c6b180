// A minimal typed event emitter (works in browsers and in node without EventTarget subclasses).
export class Emitter<Events extends { [name: string]: unknown }> {
  #listeners = new Map<keyof Events, Set<(value: never) => void>>();

  on<K extends keyof Events>(name: K, listener: (value: Events[K]) => void): () => void {
    let set = this.#listeners.get(name);
    if (!set) { set = new Set(); this.#listeners.set(name, set); }
    set.add(listener as (value: never) => void);
    return () => this.off(name, listener);
  }

  off<K extends keyof Events>(name: K, listener: (value: Events[K]) => void): void {
    this.#listeners.get(name)?.delete(listener as (value: never) => void);
  }

  protected emit<K extends keyof Events>(name: K, value: Events[K]): void {
    for (const listener of [...(this.#listeners.get(name) ?? [])]) {
      (listener as (value: Events[K]) => void)(value);
    }
  }
}
