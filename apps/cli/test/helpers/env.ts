/**
 * The whole environment of a spawned CLI: nothing of the test runner's own environment leaks in except
 * PATH. HOME points into the test's directory so nothing the CLI might write lands in the real home.
 */
export function childEnv(dir: string, extra: Readonly<Record<string, string>> = {}): Record<string, string> {
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, ...extra };
}
