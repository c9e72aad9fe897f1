import type { FastifyInstance } from 'fastify';
import type { SigningKeys } from '../../auth/keys/signing-keys.ts';
import type { ClientRegistration } from '../../auth/registration/registration-service.ts';
import type { AdminAccessDeps } from '../../auth/admin/admin-access.ts';
import { invalidRequest } from '../../auth/oauth-error.ts';
import { ADMIN_BODY_LIMIT } from '../admin/admin-body.ts';
import { bodyText } from '../body-text.ts';
import { refuseForbiddenText } from '../forbidden-text-hook.ts';
import { BodyError, parseJsonBody } from '../json-body.ts';
import { jwksRoute } from './jwks-route.ts';
import { renderOAuthError } from './oauth-errors.ts';
import { registrationRoutes, UnreadableBody } from './registration-routes.ts';

export interface OAuthPluginOptions {
  signingKeys: SigningKeys;
  registration: ClientRegistration;
  /** Who may ask for initial access tokens: the root client and developers. */
  access: AdminAccessDeps;
  maxJsonDepth: number;
}

/** The OAuth surface: published signing keys and dynamic client registration, with OAuth-style JSON errors. */
export async function oauthPlugin(app: FastifyInstance, options: OAuthPluginOptions): Promise<void> {
  app.removeAllContentTypeParsers();
  // RFC 7591 §3.1: metadata is sent as application/json. Problems are kept, not thrown, so that
  // an unauthorised caller hears 401 whatever its body; but for its size: a registry body is small, and one
  // over the admin API's limit is refused (413) before it is read.
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: ADMIN_BODY_LIMIT }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(bodyText(body as Buffer), options.maxJsonDepth));
    } catch (err) {
      done(null, new UnreadableBody(err instanceof BodyError ? err.message : 'The body is not valid JSON'));
    }
  });
  app.addContentTypeParser('*', { parseAs: 'string', bodyLimit: ADMIN_BODY_LIMIT }, (req, _text, done) => {
    done(null, new UnreadableBody(`The body must be application/json, not ${req.headers['content-type'] ?? 'untyped'}`));
  });
  app.setErrorHandler(renderOAuthError);
  // The URL (a client_id in the path) and the credentials are not metadata: `invalid_request`.
  app.addHook('onRequest', refuseForbiddenText(invalidRequest));

  jwksRoute(app, options.signingKeys);
  registrationRoutes(app, options.registration, options.access);
}
