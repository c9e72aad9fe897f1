/**
 * A request the pages refuse as malformed: 400, rendered by the surface's error renderer as its "Request
 * refused" page (never a redirect: RFC 6749 §4.1.2.1 when the authorization request itself is at fault).
 */
export function refusedRequest(description: string): Error {
  return Object.assign(new Error(description), { statusCode: 400 });
}
