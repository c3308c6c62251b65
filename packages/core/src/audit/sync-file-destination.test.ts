import { appendFileSync, readFileSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../__fixtures__/module-packages.js';
import { openSyncFileDestination } from './sync-file-destination.js';

let dir: string;

beforeEach(async () => {
  dir = await tempDir('sync-dest');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('openSyncFileDestination', () => {
  it('appends after existing content and never truncates', () => {
    const path = join(dir, 'audit.jsonl');
    appendFileSync(path, '{"old":1}\n');
    const destination = openSyncFileDestination(path, 0o600);
    destination.write('{"new":2}\n');
    expect(readFileSync(path, 'utf8')).toBe('{"old":1}\n{"new":2}\n');
  });

  it('has each line on disk when write returns, multi-byte text counted in bytes', () => {
    const path = join(dir, 'audit.jsonl');
    const destination = openSyncFileDestination(path, 0o600);
    const line = `${JSON.stringify({ text: 'é✓😀'.repeat(5000) })}\n`;
    destination.write(line);
    expect(readFileSync(path, 'utf8')).toBe(line);
    destination.write('{"second":true}\n');
    expect(readFileSync(path, 'utf8')).toBe(`${line}{"second":true}\n`);
  });

  it('creates the file with the mode asked for', () => {
    const path = join(dir, 'audit.jsonl');
    openSyncFileDestination(path, 0o600).write('x\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
  });

  it('throws a write error to the caller instead of dropping the line', () => {
    const destination = openSyncFileDestination('/dev/full', 0o600);
    expect(() => destination.write('lost?\n')).toThrow(/ENOSPC/);
  });

  it('flush calls back at once: nothing is ever buffered', () => {
    const destination = openSyncFileDestination(join(dir, 'a.jsonl'), 0o600);
    let called = false;
    destination.flush(() => {
      called = true;
    });
    expect(called).toBe(true);
  });
});
