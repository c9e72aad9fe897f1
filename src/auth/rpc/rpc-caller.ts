/** Who is calling an RPC method: the root client, a Client allowed by policy, or a signed-in User (developer). */
export type RpcCaller = ({ kind: 'root' } | { kind: 'client'; clientId: string } | { kind: 'user'; userId: string }) & {
  /** The network address the call came from (set by the HTTP layer): recorded with the changes it makes. */
  address?: string;
};

/** RPC methods a signed-in developer may call without an AccessPolicy: the developer portal's own. */
export const DEVELOPER_RPC_METHODS: ReadonlySet<string> = new Set(['smartbox.portal.developer.rpc/save-developer-application']);
