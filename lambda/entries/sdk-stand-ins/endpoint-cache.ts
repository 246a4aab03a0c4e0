/**
 * Stands in for `@aws-sdk/endpoint-cache` in the deployed bundles (an esbuild alias,
 * lib/constructs/esm-bundling.ts). Every DynamoDB client carries endpoint discovery, whose cache
 * is an LRU from mnemonist (about 5 KiB of the router's 300 KiB budget). Discovery is off for
 * DynamoDB unless configured, which no function does, so the cache stays empty; the middleware
 * still asks it for an endpoint on every call. This is the same cache on a Map (insertion order
 * is recency), so it behaves the same if discovery is ever turned on.
 */

interface Endpoint {
  readonly Address: string;
  readonly CachePeriodInMinutes: number;
}

interface EndpointWithExpiry {
  readonly Address: string;
  readonly Expires: number;
}

export class EndpointCache {
  private readonly cache = new Map<string, EndpointWithExpiry[]>();

  constructor(private readonly capacity: number) {}

  getEndpoint(key: string): string | undefined {
    const endpoints = this.get(key);
    if (!endpoints || endpoints.length === 0) return undefined;
    return endpoints[Math.floor(Math.random() * endpoints.length)]?.Address;
  }

  get(key: string): EndpointWithExpiry[] | undefined {
    if (!this.has(key)) return undefined;
    const value = this.cache.get(key) ?? [];
    this.touch(key, value);
    const now = Date.now();
    const live = value.filter((endpoint) => now < endpoint.Expires);
    if (live.length === 0) {
      this.delete(key);
      return undefined;
    }
    return live;
  }

  set(key: string, endpoints: readonly Endpoint[]): void {
    const now = Date.now();
    this.touch(
      key,
      endpoints.map(({ Address, CachePeriodInMinutes }) => ({
        Address,
        Expires: now + CachePeriodInMinutes * 60 * 1000,
      })),
    );
  }

  delete(key: string): void {
    this.touch(key, []);
  }

  /** Like the original: present and non-empty, without counting as a use. */
  has(key: string): boolean {
    return (this.cache.get(key)?.length ?? 0) > 0;
  }

  clear(): void {
    this.cache.clear();
  }

  /** Stores `value` as the most recently used entry, evicting the least recently used past capacity. */
  private touch(key: string, value: EndpointWithExpiry[]): void {
    this.cache.delete(key);
    this.cache.set(key, value);
    if (this.cache.size > this.capacity) {
      const oldest = this.cache.keys().next().value;
      if (oldest !== undefined) this.cache.delete(oldest);
    }
  }
}
