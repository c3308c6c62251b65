// biome-ignore-all lint/suspicious/noTemplateCurlyInString: these strings are manifest text with ${VAR} placeholders.
import { describe, expect, it } from 'vitest';
import { substituteEnv } from './substitute-env.js';

describe('substituteEnv', () => {
  it('expands the braced form only and leaves $VAR literal', () => {
    const r = substituteEnv('a: ${A}\nb: $A\nc: "${A}-${B}"\n', { A: 'x', B: 'y' });
    expect(r.text).toBe('a: x\nb: $A\nc: "x-y"\n');
    expect(r.missing).toEqual([]);
  });

  it('expands inside comments too (reference behaviour)', () => {
    expect(substituteEnv('# ${A}\n', { A: 'v' }).text).toBe('# v\n');
    expect(substituteEnv('# ${NOPE}\n', {}).missing).toEqual(['NOPE']);
  });

  it('collects every undefined name once, in order of first use', () => {
    const r = substituteEnv('${B} ${A} ${B} ${C:-d} ${A}', {});
    expect(r.missing).toEqual(['B', 'A']);
  });

  it('treats an empty value as defined for ${VAR}', () => {
    const r = substituteEnv('x${E}y', { E: '' });
    expect(r.text).toBe('xy');
    expect(r.missing).toEqual([]);
  });

  it('uses the default of ${VAR:-default} when VAR is unset or empty', () => {
    expect(substituteEnv('${X:-d1}', {}).text).toBe('d1');
    expect(substituteEnv('${X:-d1}', { X: '' }).text).toBe('d1');
    expect(substituteEnv('${X:-d1}', { X: 'set' }).text).toBe('set');
    expect(substituteEnv('${X:-}', {}).text).toBe('');
    expect(substituteEnv('${X:-redis://h:1/0}', {}).text).toBe('redis://h:1/0');
  });

  it('leaves names that do not match the variable grammar alone', () => {
    const text = '${1X} ${A-B} ${ A } ${} ${A.B}';
    const r = substituteEnv(text, { A: 'no' });
    expect(r.text).toBe(text);
    expect(r.missing).toEqual([]);
  });

  it('does not read inherited properties of the env object', () => {
    expect(substituteEnv('${constructor} ${toString}', {}).missing).toEqual(['constructor', 'toString']);
  });

  it('records substituted env values but not defaults', () => {
    const r = substituteEnv('${A} ${B:-fallback} ${C:-x}', { A: 'secret-a', C: 'secret-c' });
    expect([...r.substituted]).toEqual([
      ['A', 'secret-a'],
      ['C', 'secret-c'],
    ]);
  });

  it('maps offsets in the expanded text back to the source', () => {
    const source = 'a: ${LONG}\nb: [\n';
    const r = substituteEnv(source, { LONG: 'x\ny\nz' });
    expect(r.text).toBe('a: x\ny\nz\nb: [\n');
    const bracket = r.text.indexOf('[');
    expect(source[r.toSourceOffset(bracket)]).toBe('[');
    expect(r.toSourceOffset(r.text.indexOf('y'))).toBe(source.indexOf('${'));
    expect(r.toSourceOffset(1)).toBe(1);
  });
});
