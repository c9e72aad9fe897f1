export { presentedCredentials, type PresentedCredentials } from './authorization-header.ts';
export { verifyAccessToken, type AccessTokenVerifierDeps, type TokenVerification } from '../tokens/verify-access-token.ts';
export {
  createFhirAuthenticator,
  type FhirAuthentication,
  type FhirAuthenticator,
  type FhirAuthenticatorDeps,
  type FhirPrincipal,
} from './fhir-authenticator.ts';
