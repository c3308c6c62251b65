import { describe, expect, it } from 'vitest';
import { scanMatchFor } from './scan-pattern.js';

describe('scanMatchFor', () => {
  it('keeps the literal head and lets the client apply the exact glob', () => {
    expect(scanMatchFor('scoped-mcp:*:hitl:*.*')).toBe('scoped-mcp:*');
    expect(scanMatchFor('scoped-mcp:a1:hitl:?')).toBe('scoped-mcp:a1:hitl:*');
    expect(scanMatchFor('exact')).toBe('exact*');
  });

  it('escapes Redis glob syntax in the literal head', () => {
    expect(scanMatchFor('a\\b]^c*')).toBe('a\\\\b\\]\\^c*');
  });

  it('treats the first literalLength characters as literal even if they look like wildcards', () => {
    expect(scanMatchFor('p*x:key*', 3)).toBe('p\\*x:key*');
  });
});
