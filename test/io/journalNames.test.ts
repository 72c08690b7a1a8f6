import { strict as assert } from 'node:assert';
import { basename } from 'node:path';
import { PARTIAL_SUFFIX, isJournalName, journalPath } from '../../shared/io/journal';

describe('journal names (which file events the bundle view ignores)', () => {
  it('a journal and a journal being written are journal names; the bundle files are not', () => {
    const image = '/b/root.hdd/root.hds.{5fbaabe3-6958-40ff-92a7-860e329aab41}';
    assert.equal(isJournalName(basename(journalPath(image))), true);
    assert.equal(isJournalName(basename(journalPath(image) + PARTIAL_SUFFIX)), true);
    for (const name of ['root.hds', 'DiskDescriptor.xml', 'root.hds.hdd-lens-journal.old', 'x.tmp', 'hdd-lens-journal.txt'])
      assert.equal(isJournalName(name), false, name);
  });
});
