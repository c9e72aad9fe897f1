import type { FastifyReply, FastifyServerOptions } from 'fastify';
import type { preRouteErrors } from './pre-route-errors.ts';

export interface ServerSettings {
  logLevel: string;
  /** Whose X-Forwarded-For names the client (request.ip): Fastify's trustProxy. */
  trustProxy: boolean | readonly string[];
  maxBodyBytes: number;
}

/** Fastify's options for every application Portico serves (the root one and each tenant's): one set of limits. */
export function serverOptions(settings: ServerSettings, preRoute: ReturnType<typeof preRouteErrors>): FastifyServerOptions {
  return {
    logger: { level: settings.logLevel },
    bodyLimit: settings.maxBodyBytes,
    trustProxy: typeof settings.trustProxy === 'object' ? [...settings.trustProxy] : settings.trustProxy,
    // URLs like /fhir/Patient?name=a;b keep their semicolons.
    routerOptions: { ignoreTrailingSlash: true },
    return503OnClosing: true,
    // Errors raised before routing (a malformed URL) answer in the shape of the surface the path names.
    frameworkErrors: (error, request, reply) => preRoute(error, request, reply as FastifyReply),
  };
}
