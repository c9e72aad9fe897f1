/**
 * Which value sets draw every code from one code system (`compose.include` naming a single system, no
 * other value sets imported): for those, a bare `code` bound to the value set implicitly carries that
 * system. Kept as a map of URL to system only; the value sets themselves are not held.
 */
interface ValueSetEntry {
  resource?: { resourceType?: string; url?: string; compose?: { include?: { system?: string; valueSet?: string[] }[] } };
}

export function singleSystemValueSets(bundle: { entry?: ValueSetEntry[] }): Map<string, string> {
  const systems = new Map<string, string>();
  for (const { resource } of bundle.entry ?? []) {
    if (resource?.resourceType !== 'ValueSet' || !resource.url) continue;
    const include = resource.compose?.include ?? [];
    const named = new Set(include.map((i) => (i.valueSet?.length ? undefined : i.system)));
    const [system] = named;
    if (named.size === 1 && system !== undefined) systems.set(resource.url, system);
  }
  return systems;
}
