import { describe, expect, it } from 'vitest';
import { readDirectoryPage } from './directory-page.js';

async function* stream(names: readonly string[]): AsyncGenerator<string> {
  yield* names;
}

const byUtf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a), Buffer.from(b));

describe('readDirectoryPage', () => {
  it('gives what filtering, sorting and slicing the whole directory gives', async () => {
    const letters = ['a', 'b', 'c', '\uff41', '\u{1F600}'];
    const word = () =>
      Array.from(
        { length: 1 + Math.floor(Math.random() * 3) },
        () => letters[Math.floor(Math.random() * 5)],
      ).join('');
    for (let round = 0; round < 300; round++) {
      const names = [...new Set(Array.from({ length: Math.floor(Math.random() * 40) }, word))];
      const after = Math.random() < 0.5 ? undefined : word();
      const prefix = Math.random() < 0.7 ? undefined : word().slice(0, 1);
      const limit = 1 + Math.floor(Math.random() * 10);
      const hidden = (name: string) => name.endsWith('c');
      const matching = names
        .filter((n) => !hidden(n) && (prefix === undefined || n.startsWith(prefix)))
        .sort(byUtf8);
      const rest = matching.filter((n) => after === undefined || byUtf8(n, after) > 0);
      const page = await readDirectoryPage(stream(names), { after, prefix, limit, hidden });
      expect(page, JSON.stringify({ names, after, prefix, limit })).toEqual({
        entries: rest.slice(0, limit),
        total: matching.length,
        skipped: matching.length - rest.length,
        truncated: rest.length > limit,
      });
    }
  });
});
