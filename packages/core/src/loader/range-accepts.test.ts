import satisfies from 'semver/functions/satisfies.js';
import { describe, expect, it } from 'vitest';
import { rangeAccepts } from './range-accepts.js';

const RANGES = [
  '^0.0.0',
  '^0.0.3',
  '^0.1.0',
  '^0.1.2',
  '^0.10.0',
  '^1.0.0',
  '^1.2.3',
  '^2.0.0',
  '^10.0.1',
  '^01.0.0',
  '^1.0',
  '^1.0.0-beta.1',
  ' ^1.0.0',
  '^v1.0.0',
  '>=0.1.0 <2',
  '~1.2.0',
  '*',
  '1.x || ^2.0.0',
  'latest',
  'not a range',
  '',
];
const VERSIONS = [
  '0.0.0',
  '0.0.3',
  '0.0.4',
  '0.1.0',
  '0.1.9',
  '0.2.0',
  '0.10.0',
  '0.10.5',
  '0.11.0',
  '1.0.0',
  '1.2.2',
  '1.2.3',
  '1.9.9',
  '2.0.0',
  '10.0.0',
  '10.0.1',
  '11.0.0',
  '1.1.0-beta.1',
  '2.0.0-0',
  '01.0.0',
  'v1.0.0',
  'garbage',
];

describe('rangeAccepts', () => {
  it('agrees with semver.satisfies (prereleases included) on every pair', () => {
    for (const range of RANGES) {
      for (const version of VERSIONS) {
        expect([range, version, rangeAccepts(range, version)]).toEqual([
          range,
          version,
          satisfies(version, range, { includePrerelease: true }),
        ]);
      }
    }
  });
});
