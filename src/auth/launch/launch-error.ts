/**
 * A launch token that cannot be trusted (bad signature, expired, another client's, malformed).
 * The authorize step turns it into `invalid_request`; the message never echoes token contents.
 */
export class LaunchError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LaunchError';
  }
}
