/** Who is calling an RPC method: the root client, a Client allowed by policy, or a signed-in User (developer). */
export type RpcCaller = { kind: 'root' } | { kind: 'client'; clientId: string } | { kind: 'user'; userId: string };
