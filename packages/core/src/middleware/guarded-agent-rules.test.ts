import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadManifest, parseManifest } from '../manifest/load.js';
import { auditSink, fakeCall } from './__fixtures__/filter-test-kit.js';
import { createArgumentFilterMiddleware } from './argument-filter.js';

// The example rules we ship (manifests/guarded-agent.yml) against a corpus of bypass attempts, benign
// calls and documented gaps. Operators copy these rules, so what they catch is a promise; what they miss
// is listed in docs/guardrails.md and kept true here.

interface CorpusEntry {
  readonly tool: string;
  readonly args: Record<string, unknown>;
  readonly why: string;
  readonly blocked_by?: string;
  readonly outcome?: 'blocked' | 'not_blocked';
}

const corpus = JSON.parse(
  readFileSync(new URL('./__fixtures__/guarded-agent-corpus.json', import.meta.url), 'utf8'),
) as { blocked: CorpusEntry[]; allowed: CorpusEntry[]; gaps: CorpusEntry[] };

const MANIFEST = fileURLToPath(new URL('../../../../manifests/guarded-agent.yml', import.meta.url));
const { manifest } = await loadManifest(MANIFEST, {});
const rules = manifest.argument_filters ?? [];

/** The name of the block rule that refuses the call, or undefined when it goes through. */
async function blockingRule(entry: CorpusEntry): Promise<string | undefined> {
  const { audit, records } = auditSink();
  const middleware = createArgumentFilterMiddleware({ rules, audit, agentId: 'corpus' });
  try {
    await middleware(fakeCall(entry.tool, entry.args), async () => 'ran');
    return undefined;
  } catch {
    const line = records.find((r) => r.event === 'argument_filter_blocked');
    return String(line?.filter_name);
  }
}

const label = (entry: CorpusEntry) => `${entry.why}: ${JSON.stringify(entry.args).slice(0, 80)}`;

describe('the example argument filters of manifests/guarded-agent.yml', () => {
  it('has a corpus of at least 24 bypass attempts and benign calls for both rules', () => {
    expect(corpus.blocked.length).toBeGreaterThanOrEqual(24);
    expect(new Set(corpus.blocked.map((e) => e.blocked_by))).toEqual(
      new Set(['no-recursive-delete', 'no-destructive-sql']),
    );
    expect(corpus.allowed.length).toBeGreaterThanOrEqual(10);
    expect(rules.map((rule) => rule.name)).toEqual([
      'no-destructive-sql',
      'no-recursive-delete',
      'mentions-prod',
    ]);
  });

  it.each(corpus.blocked.map((entry) => [label(entry), entry] as const))('blocks %s', async (_, entry) => {
    expect(await blockingRule(entry)).toBe(entry.blocked_by);
  });

  it.each(corpus.allowed.map((entry) => [label(entry), entry] as const))('allows %s', async (_, entry) => {
    expect(await blockingRule(entry)).toBeUndefined();
  });

  it.each(corpus.gaps.map((entry) => [label(entry), entry] as const))(
    'documented gap: %s',
    async (_, entry) => {
      const rule = await blockingRule(entry);
      if (entry.outcome === 'blocked') expect(rule).toBeDefined();
      else expect(rule).toBeUndefined();
    },
  );

  it('are the rules docs/guardrails.md shows', () => {
    const doc = readFileSync(new URL('../../../../docs/guardrails.md', import.meta.url), 'utf8');
    const snippet = [...doc.matchAll(/```yaml\n([\s\S]*?)```/g)]
      .map((m) => m[1] as string)
      .find((text) => text.includes('name: no-destructive-sql'));
    expect(snippet).toBeDefined();
    const shown = parseManifest(`agent_type: x\nmodules: {fs: {}}\n${snippet}`, 'guardrails.md', {}).manifest;
    const blockRules = rules.filter((rule) => rule.action === 'block');
    expect(shown.argument_filters).toEqual(blockRules);
  });
});
