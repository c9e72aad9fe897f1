/** Storage port: the ledger of client-assertion `jti`s already used (RFC 7523 §3 item 7). */
export interface JtiStore {
  /**
   * Records `jti` for `clientId` until `expiresAt`. True when it was not already recorded (unexpired);
   * false for a replay. Atomic across processes sharing the database.
   */
  consume(clientId: string, jti: string, expiresAt: Date, now: Date): Promise<boolean>;
}
