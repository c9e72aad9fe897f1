/** Seconds since the epoch, rounded down: the NumericDate of JWT claims (RFC 7519 §2) and of OAuth metadata. */
export function epochSeconds(date: Date): number {
  return Math.floor(date.getTime() / 1000);
}
