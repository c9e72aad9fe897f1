import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';

for (const driver of drivers) {
  describe(`resource store (${driver})`, () => {
    let portico: TestPortico;
    let clock = Date.parse('2026-01-01T00:00:00Z');
    before(async () => {
      portico = await startPortico(driver, {}, { now: () => new Date((clock += 1000)) });
    });
    after(() => portico.stop());

    it('a unit of work that fails leaves nothing behind', async () => {
      const { repository } = portico;
      await assert.rejects(
        repository.transaction(async (writer) => {
          await writer.save({ resource: { resourceType: 'Patient', id: 'rolled-back' }, mode: 'create' });
          assert.ok(await writer.read('Patient', 'rolled-back'), 'visible inside the unit');
          throw new Error('boom');
        }),
        /boom/,
      );
      assert.equal(await repository.read('Patient', 'rolled-back'), undefined);
      const history = await repository.history({ resourceType: 'Patient', id: 'rolled-back', count: 10 });
      assert.equal(history.entries.length, 0);
    });

    it('keeps every version, stamps meta from the injected clock and puts resourceType first', async () => {
      const { repository } = portico;
      for (const gender of ['male', 'female', 'other']) {
        await repository.transaction((w) => w.save({ resource: { resourceType: 'Patient', id: 'versions', gender }, mode: 'update' }));
      }
      const current = await repository.read('Patient', 'versions');
      assert.equal(current?.versionId, '3');
      assert.deepEqual(Object.keys(current?.resource ?? {}).slice(0, 3), ['resourceType', 'id', 'meta']);
      assert.match(current?.lastUpdated ?? '', /^2026-01-01T00:00:\d\d\.000Z$/);
      const v1 = await repository.vread('Patient', 'versions', '1');
      assert.equal(v1?.resource.gender, 'male');
      const history = await repository.history({ resourceType: 'Patient', id: 'versions', count: 2 });
      assert.deepEqual(history.entries.map((e) => e.versionId), ['3', '2']);
      assert.ok(history.next);
      const older = await repository.history({ resourceType: 'Patient', id: 'versions', count: 2, cursor: history.next });
      assert.deepEqual(older.entries.map((e) => e.versionId), ['1']);
    });

    it('keeps each version\'s content once: the current one only in resource, older ones in resource_version', async () => {
      const { repository } = portico;
      const write = (gender: string) => repository.transaction((w) => w.save({ resource: { resourceType: 'Patient', id: 'once', gender }, mode: 'update' }));
      await write('male');
      await write('female');
      await repository.transaction((w) => w.delete('Patient', 'once'));
      await write('other');
      const rows = await portico.db.query<{ version_id: number; stored: boolean }>(
        "SELECT version_id, content IS NOT NULL AS stored FROM resource_version WHERE resource_type = 'Patient' AND id = 'once' ORDER BY version_id",
      );
      assert.deepEqual(rows.map((r) => [r.version_id, r.stored]), [[1, true], [2, true], [3, true], [4, false]]);
      // Every version still reads back whole, wherever its content is kept.
      assert.equal((await repository.vread('Patient', 'once', '1'))?.resource.gender, 'male');
      assert.equal((await repository.vread('Patient', 'once', '2'))?.resource.gender, 'female');
      assert.equal((await repository.vread('Patient', 'once', '3'))?.deleted, true);
      assert.equal((await repository.vread('Patient', 'once', '4'))?.resource.gender, 'other');
      const history = await repository.history({ resourceType: 'Patient', id: 'once', count: 10 });
      assert.deepEqual(history.entries.map((e) => [e.versionId, e.deleted ? 'deleted' : e.resource.gender]), [['4', 'other'], ['3', 'deleted'], ['2', 'female'], ['1', 'male']]);
      const at = await repository.history({ resourceType: 'Patient', id: 'once', count: 10, at: new Date(clock + 60_000).toISOString() });
      assert.deepEqual(at.entries.map((e) => [e.versionId, e.resource.gender]), [['4', 'other']]);
    });

    it('create refuses a live id with 409; a deleted id can be created again as a new version', async () => {
      const { repository } = portico;
      await repository.transaction((w) => w.save({ resource: { resourceType: 'Patient', id: 'dup' }, mode: 'create' }));
      await assert.rejects(
        repository.transaction((w) => w.save({ resource: { resourceType: 'Patient', id: 'dup' }, mode: 'create' })),
        (err: { status?: number }) => err.status === 409,
      );
      await repository.transaction((w) => w.delete('Patient', 'dup'));
      const again = await repository.transaction((w) => w.save({ resource: { resourceType: 'Patient', id: 'dup' }, mode: 'create' }));
      assert.equal(again.created, true);
      assert.equal(again.record.versionId, '3');
    });
  });
}
