/**
 * The URL the EHR opens (SMART App Launch 2.2 §"EHR Launch"): the app's launch_uri with `iss` and
 * `launch` added, keeping any query (and fragment) the app registered.
 */
export function buildLaunchUri(launchUri: string, iss: string, launch: string): string {
  const hashAt = launchUri.indexOf('#');
  const base = hashAt === -1 ? launchUri : launchUri.slice(0, hashAt);
  const fragment = hashAt === -1 ? '' : launchUri.slice(hashAt);
  const query = new URLSearchParams({ iss, launch }).toString();
  const separator = !base.includes('?') ? '?' : base.endsWith('?') || base.endsWith('&') ? '' : '&';
  return `${base}${separator}${query}${fragment}`;
}
