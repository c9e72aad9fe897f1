import type { FastifyInstance, FastifyReply } from 'fastify';
import { ENDPOINTS } from '../../endpoints.ts';

export interface DiscoveryPluginOptions {
  /** SMART configuration (/.well-known/smart-configuration), built once at start. */
  smartConfiguration: Record<string, unknown>;
  /** OpenID Provider metadata (/.well-known/openid-configuration at the issuer). */
  openidConfiguration: Record<string, unknown>;
}

/**
 * The well-known discovery documents: no authentication, pre-serialised, `Content-Type: application/json`
 * exactly (Inferno rejects application/fhir+json on smart-configuration).
 */
export async function discoveryPlugin(app: FastifyInstance, options: DiscoveryPluginOptions): Promise<void> {
  // Encoded once. Buffers also keep Fastify from appending `; charset=utf-8` (JSON is UTF-8 by definition, RFC 8259 §8.1).
  const smart = Buffer.from(JSON.stringify(options.smartConfiguration));
  const openid = Buffer.from(JSON.stringify(options.openidConfiguration));
  const send = (reply: FastifyReply, body: Buffer) => reply.header('content-type', 'application/json').send(body);

  // SMART App Launch 2.2.0 §"Conformance": at {fhir base}/.well-known; the root copy serves clients given BASE_URL.
  for (const url of [ENDPOINTS.fhirSmartConfiguration.path, ENDPOINTS.smartConfiguration.path]) {
    app.get(url, async (_request, reply) => send(reply, smart));
  }
  // OIDC Discovery 1.0 §4: {issuer}/.well-known/openid-configuration; the issuer is BASE_URL.
  app.get(ENDPOINTS.openidConfiguration.path, async (_request, reply) => send(reply, openid));
}
