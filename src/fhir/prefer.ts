/** Parses the Prefer header (RFC 7240) into the preferences FHIR uses. */
export interface Preferences {
  return?: 'minimal' | 'representation' | 'OperationOutcome';
  handling?: 'strict' | 'lenient';
  respondAsync: boolean;
}

export function parsePrefer(header: string | undefined): Preferences {
  const prefs: Preferences = { respondAsync: false };
  for (const part of (header ?? '').split(/[,;]/)) {
    const [rawKey, rawValue] = part.split('=');
    const key = rawKey?.trim().toLowerCase();
    const value = rawValue?.trim().replace(/^"|"$/g, '');
    if (key === 'return' && (value === 'minimal' || value === 'representation' || value === 'OperationOutcome')) {
      prefs.return = value;
    } else if (key === 'handling' && (value === 'strict' || value === 'lenient')) {
      prefs.handling = value;
    } else if (key === 'respond-async') {
      prefs.respondAsync = true;
    }
  }
  return prefs;
}
