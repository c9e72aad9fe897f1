import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fhirClient, ROOT_AUTHORIZATION } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

const FHIR_BASE = `${TEST_BASE_URL}/fhir`;

// Names the stored text must carry through unchanged: multi-byte UTF-8, escapes, a quote.
const SPECIAL = ['Zoë', '日本語', 'emoji 🩺', 'back\\slash', 'quote "q"', 'line\nbreak', 'tab\there', 'Ørsted', 'plain', 'naïve', 'Łódź'];
const NAMES = [...SPECIAL, ...Array.from({ length: 25 }, (_, i) => `filler ${i}`)];

// Pages of 4 lines, files of at most 3: with files in a directory a page's lines are cut over two files
// (never a line in two); with files in the database a page is read no longer than its file has room for.
// Pages of 1, files of up to 20: with files in the database every page is a chunk of its own, and
// a file of more than 8 chunks is read back over more than one query.
const SHAPES = [
  { pageSize: 4, fileMax: 3 },
  { pageSize: 1, fileMax: 20 },
];

for (const driver of drivers) for (const files of ['database', 'directory'] as const) for (const { pageSize, fileMax } of SHAPES) {
  describe(`Bulk Data export of stored lines (${driver}, files in the ${files}, pages of ${pageSize}, files of ${fileMax})`, () => {
    let portico: TestPortico;
    let exportDir: string | undefined;

    before(async () => {
      exportDir = files === 'directory' ? await mkdtemp(join(tmpdir(), 'portico-exports-')) : undefined;
      portico = await startPortico(driver, {
        BULK_EXPORT_WORKER: 'false',
        BULK_EXPORT_FILE_MAX_RESOURCES: String(fileMax),
        BULK_EXPORT_PAGE_SIZE: String(pageSize),
        BULK_EXPORT_FILES: files,
        ...(exportDir ? { BULK_EXPORT_DIR: exportDir } : {}),
      });
      const root = fhirClient(portico.app);
      for (const [i, family] of NAMES.entries()) {
        const res = await root.put(`Patient/p${i}`, { resourceType: 'Patient', id: `p${i}`, name: [{ family }] });
        assert.equal(res.status, 201, res.text);
      }
    });
    after(async () => {
      await portico.stop();
      if (exportDir) await rm(exportDir, { recursive: true, force: true });
    });

    it('every line is whole and parses to the stored resource, files cut at their limit', async () => {
      const root = fhirClient(portico.app);
      const kickOff = await root.get('$export?_type=Patient', { prefer: 'respond-async', accept: 'application/fhir+json' });
      assert.equal(kickOff.status, 202, kickOff.text);
      assert.deepEqual(await portico.bulkExport.worker.runPending(), ['completed']);
      const status = await root.get(String(kickOff.headers['content-location']).slice(FHIR_BASE.length + 1), { accept: 'application/json' });
      assert.equal(status.status, 200, status.text);
      const manifest = status.body as { output: { type: string; url: string; count: number }[]; error: unknown[] };
      assert.deepEqual(manifest.error, []);

      const lines: string[] = [];
      for (const entry of manifest.output) {
        assert.ok(entry.count >= 1 && entry.count <= fileMax, JSON.stringify(entry));
        const res = await portico.app.inject({
          method: 'GET',
          url: entry.url.slice(TEST_BASE_URL.length),
          headers: { accept: 'application/fhir+ndjson', authorization: ROOT_AUTHORIZATION },
        });
        assert.equal(res.statusCode, 200, res.body);
        assert.ok(res.body.endsWith('\n'), 'the file ends with a newline');
        const fileLines = res.body.slice(0, -1).split('\n');
        assert.equal(fileLines.length, entry.count, `${entry.url}: the manifest's count`);
        lines.push(...fileLines);
      }
      assert.equal(lines.length, NAMES.length);
      if (files === 'database' && pageSize === 1) {
        const [most] = await portico.db.query<{ n: number | string }>('SELECT max(n) AS n FROM (SELECT count(*) AS n FROM bulk_export_chunk GROUP BY job_id, file_no) f');
        assert.ok(Number(most?.n) > 8, `a file of more than 8 chunks (most: ${most?.n})`);
      }
      for (const line of lines) {
        const resource = JSON.parse(line) as { id: string; name: { family: string }[] };
        const read = await root.get(`Patient/${resource.id}`);
        assert.deepEqual(resource, read.body, `Patient/${resource.id} as stored`);
      }
      const families = lines.map((l) => (JSON.parse(l) as { name: { family: string }[] }).name[0]?.family).sort();
      assert.deepEqual(families, [...NAMES].sort());
    });
  });
}
