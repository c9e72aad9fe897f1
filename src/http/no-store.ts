import type { FastifyReply } from 'fastify';

/**
 * An answer no cache may keep: `Cache-Control: no-store` (RFC 9111 §5.2.2.5), and `Pragma: no-cache` for HTTP/1.0
 * caches. OAuth answers carry tokens and secrets (RFC 6749 §5.1, RFC 7591 §3.2.1; Inferno checks both headers on
 * every token response); the admin API's and /rpc's carry a Client's secret, or who may do what.
 */
export function noStore(reply: FastifyReply): FastifyReply {
  return reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}
