import { createRequire } from 'node:module';

type Satisfies = typeof import('semver/functions/satisfies.js');
type Triple = readonly [number, number, number];

// `^MAJOR.MINOR.PATCH` — what published modules declare — and a release version, in canonical form.
const CARET = /^\^(0|[1-9]\d{0,14})\.(0|[1-9]\d{0,14})\.(0|[1-9]\d{0,14})$/;
const RELEASE = /^(0|[1-9]\d{0,14})\.(0|[1-9]\d{0,14})\.(0|[1-9]\d{0,14})$/;

let satisfies: Satisfies | undefined;

/**
 * Whether `version` is in the npm `range`, prereleases included — the verdict of `semver.satisfies`. The
 * common `^x.y.z` against a release version is decided here; anything else goes to semver, loaded on first
 * use: its files and regex tables are a noticeable part of a server's start.
 */
export function rangeAccepts(range: string, version: string): boolean {
  const caret = CARET.exec(range);
  const release = RELEASE.exec(version);
  if (caret && release) return inCaret(numbers(caret), numbers(release));
  // An invalid range or version is no match (satisfies returns false rather than throwing).
  return loadSatisfies()(version, range, { includePrerelease: true });
}

/** semver's `^M.m.p`: `>=M.m.p`, below the next major — or the next minor/patch while those lead with 0. */
function inCaret([major, minor, patch]: Triple, version: Triple): boolean {
  const upper: Triple = major > 0 ? [major + 1, 0, 0] : minor > 0 ? [0, minor + 1, 0] : [0, 0, patch + 1];
  return compare(version, [major, minor, patch]) >= 0 && compare(version, upper) < 0;
}

function numbers(match: RegExpExecArray): Triple {
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

function compare(a: Triple, b: Triple): number {
  return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

function loadSatisfies(): Satisfies {
  satisfies ??= createRequire(import.meta.url)('semver/functions/satisfies.js') as Satisfies;
  return satisfies;
}
