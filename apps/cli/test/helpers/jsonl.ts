import { readFile } from 'node:fs/promises';

export type JsonRecord = Record<string, unknown>;

/** Every non-empty line of a JSONL file, parsed; a line that is not a JSON object fails the test. */
export async function readJsonl(path: string): Promise<JsonRecord[]> {
  return parseJsonl(await readFile(path, 'utf8'));
}

export function parseJsonl(text: string): JsonRecord[] {
  return text
    .split('\n')
    .filter((line) => line.trim().length > 0)
    .map((line, index) => {
      const value: unknown = JSON.parse(line);
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new Error(`line ${index + 1} is not a JSON object: ${line.slice(0, 200)}`);
      }
      return value as JsonRecord;
    });
}

/**
 * Keys that occur more than once in one object of a JSON text (pino, for one, writes a field twice when
 * a binding and a log field share a name; consumers then disagree on which value counts).
 */
export function duplicateKeys(json: string): string[] {
  const duplicates: string[] = [];
  const stack: (Set<string> | null)[] = [];
  let i = 0;
  while (i < json.length) {
    const c = json[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < json.length && json[j] !== '"') j += json[j] === '\\' ? 2 : 1;
      const raw = json.slice(i, j + 1);
      let k = j + 1;
      while (/\s/.test(json[k] ?? '')) k++;
      const keys = stack.at(-1);
      if (json[k] === ':' && keys) {
        const key = JSON.parse(raw) as string;
        if (keys.has(key)) duplicates.push(key);
        keys.add(key);
      }
      i = j + 1;
      continue;
    }
    if (c === '{') stack.push(new Set());
    else if (c === '[') stack.push(null);
    else if (c === '}' || c === ']') stack.pop();
    i++;
  }
  return duplicates;
}
