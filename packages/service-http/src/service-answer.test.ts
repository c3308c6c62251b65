import { describe, expect, it } from 'vitest';
import { parseRetryAfter, quotedLine, responseError } from './service-answer.js';

describe('parseRetryAfter', () => {
  it('reads seconds and HTTP dates, and ignores anything else', () => {
    expect(parseRetryAfter('2')).toBe(2000);
    expect(parseRetryAfter('0.5')).toBe(500);
    expect(parseRetryAfter('Wed, 21 Oct 2015 07:28:10 GMT', Date.parse('2015-10-21T07:28:00Z'))).toBe(10_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });
});

describe('responseError', () => {
  it('says try later for 5xx and refused for 4xx, with the reason given', () => {
    const response = (status: number) => ({ status, headers: {}, text: 'secret body' });
    expect(responseError('Slack', response(503)).code).toBe('SMCP_UPSTREAM_UNAVAILABLE');
    expect(responseError('Slack', response(503)).message).toBe('Slack failed (HTTP 503); retry later');
    const refused = responseError('Slack', response(404), 'no_service');
    expect(refused.code).toBe('SMCP_UPSTREAM_ERROR');
    expect(refused.message).toBe('Slack refused the message (HTTP 404: no_service)');
    expect(refused.message).not.toContain('secret body');
  });
});

describe('quotedLine', () => {
  it('puts a service message on one bounded line', () => {
    expect(quotedLine(' bad\r\n\tquery \u0000 here ')).toBe('bad query here');
    expect(quotedLine('x'.repeat(400))).toBe(`${'x'.repeat(300)}…`);
  });
});
