/**
 * What profile validation asks of terminology: whether a code is in the value set a profile binds to.
 * `unknown` when the value set or its code system is not available to the server: the binding
 * cannot be checked, and is not reported.
 */
export type CodeValidity = 'valid' | 'invalid' | 'unknown';

export interface ProfileTerminology {
  validateCode(valueSetUrl: string, code: string, system?: string): CodeValidity;
}
