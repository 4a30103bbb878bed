/**
 * Cooperative profiles, cached per container: they change rarely (name, ward, capacity, courier)
 * and every consumer needs them for every message. A stale profile is harmless where it is used:
 * capacity is enforced by the reservation transaction, not by this cache.
 */
import type { Cooperative } from '../../domain/cooperative.js';

export class CooperativeDirectory {
  #cache: { at: number; loading: Promise<Map<string, Cooperative>> } | undefined;

  constructor(
    private readonly load: () => Promise<Cooperative[]>,
    private readonly maxAgeMs = 60_000,
  ) {}

  all(): Promise<Map<string, Cooperative>> {
    if (!this.#cache || Date.now() - this.#cache.at > this.maxAgeMs) {
      const loading = this.load().then((list) => new Map(list.map((c) => [c.cooperativeId, c])));
      // A failed load must not be cached: the next message tries again.
      loading.catch(() => {
        if (this.#cache?.loading === loading) this.#cache = undefined;
      });
      this.#cache = { at: Date.now(), loading };
    }
    return this.#cache.loading;
  }

  async get(cooperativeId: string): Promise<Cooperative | undefined> {
    return (await this.all()).get(cooperativeId);
  }
}
