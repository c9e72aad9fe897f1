import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';

/**
 * Export chunks (files in the database) are LZ4-compressed where the server supports LZ4 (migration
 * 015), and stored uncompressed out of line where it does not (PGlite), as migration 012 left them.
 */
for (const driver of drivers) {
  describe(`bulk export chunk storage (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver, { BULK_EXPORT_WORKER: 'false' });
    });
    after(() => portico.stop());

    it('is LZ4 where the server has it, uncompressed otherwise', async () => {
      // Setting the default to lz4 fails where the server was built without it.
      const hasLz4 = await portico.db
        .transaction(async (tx) => {
          await tx.query(`SET LOCAL default_toast_compression = 'lz4'`);
          return true;
        })
        .catch(() => false);
      const [column] = await portico.db.query<{ attstorage: string; attcompression: string }>(
        `SELECT attstorage::text, attcompression::text FROM pg_attribute
          WHERE attrelid = 'bulk_export_chunk'::regclass AND attname = 'content'`,
      );
      assert.deepEqual(column, hasLz4 ? { attstorage: 'x', attcompression: 'l' } : { attstorage: 'e', attcompression: '' });
      if (driver === 'pglite') assert.equal(hasLz4, false, 'PGlite has no LZ4 (were it to gain it, this test says so)');
    });
  });
}
