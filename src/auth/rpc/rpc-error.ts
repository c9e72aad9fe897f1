/** An RPC call that cannot be answered: rendered as `{ error: { message, ...details } }` with this status. */
export class RpcError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'RpcError';
  }
}
