import { buildLaunchUri } from './launch-uri.ts';
import { createLaunchToken, type LaunchTokenInput, type LaunchTokenSignerDeps } from './launch-token.ts';

export interface MintLaunchDeps extends LaunchTokenSignerDeps {
  /** Our FHIR base: the `iss` the app is told to talk to. */
  fhirBaseUrl: string;
}

export interface MintedLaunch {
  /** The URL the EHR opens: `{launch_uri}?iss=…&launch=…`. */
  uri: string;
  launch: string;
  iss: string;
  launchUri: string;
}

/**
 * Mints an EHR launch whose client, user and context the caller has checked (the RPC and the launcher both
 * come here, so a launch is the same whoever asks): the signed launch token and the URL that opens the app with it.
 */
export async function mintLaunch(input: LaunchTokenInput, launchUri: string, deps: MintLaunchDeps): Promise<MintedLaunch> {
  const launch = await createLaunchToken(input, deps);
  return { uri: buildLaunchUri(launchUri, deps.fhirBaseUrl, launch), launch, iss: deps.fhirBaseUrl, launchUri };
}
