import type { FastifyRequest } from 'fastify';
import { describeForbidden, findInAuthorization, findInUrl } from './forbidden-characters.ts';

export interface ForbiddenTextHookOptions {
  /** Basic credentials are form-encoded before base64 here (RFC 6749 §2.3.1): checked decoded too. */
  formEncodedBasic?: boolean;
}

/**
 * An onRequest hook for a surface's plugin: a URL or an Authorization header holding forbidden text
 * (forbidden-characters.ts) is refused before authentication, routing or storage read it, with the error
 * `refuse` makes (the surface's own 400, through its own error renderer). Bodies are checked by the
 * surface's parsers.
 */
export function refuseForbiddenText(refuse: (description: string, part: 'url' | 'authorization') => Error, options: ForbiddenTextHookOptions = {}) {
  return async (request: FastifyRequest): Promise<void> => {
    const inUrl = findInUrl(request.url);
    if (inUrl) throw refuse(describeForbidden(inUrl), 'url');
    const inCredentials = findInAuthorization(request.headers.authorization, options);
    if (inCredentials) throw refuse(describeForbidden(inCredentials), 'authorization');
  };
}
