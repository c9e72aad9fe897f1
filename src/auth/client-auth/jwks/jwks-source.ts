/** A JSON Web Key Set as published (RFC 7517 §5); keys are left unvalidated until one is used. */
export interface JsonWebKeySet {
  keys: Record<string, unknown>[];
}

/** A key set, and whether it was fetched for this call. */
export interface JwksAnswer {
  jwks: JsonWebKeySet;
  /**
   * True when fetched for this call rather than read from the cache (always, for a `no-store` key set):
   * asking again with `refresh` would only fetch the same answer a second time.
   */
  fetched: boolean;
}

/** The keys behind a client's `jwks_uri`. */
export interface JwksSource {
  /**
   * The key set at `url`, from the cache while fresh. `refresh: true` asks for a re-fetch (an unknown
   * `kid`: the client may have rotated keys); it is rate-limited, so it may still answer from the cache.
   * Throws JwksFetchError when the keys cannot be fetched.
   */
  get(url: string, options?: { refresh?: boolean }): Promise<JwksAnswer>;
}

/** The outbound fetch port behind a JwksSource. */
export interface FetchedJwks {
  jwks: JsonWebKeySet;
  /** From `Cache-Control: max-age`; 0 for no-store/no-cache; undefined when the response says nothing. */
  maxAgeSeconds?: number;
}
export type JwksFetcher = (url: string) => Promise<FetchedJwks>;

/** Why a key set could not be fetched; the message is safe to show the client's developer. */
export class JwksFetchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'JwksFetchError';
  }
}
