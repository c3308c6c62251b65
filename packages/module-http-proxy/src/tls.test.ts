import { execFileSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readErrorMeta } from '@scoped-mcp/core';
import { createModuleHarness, type ModuleHarness } from '@scoped-mcp/testing';
import { buildConnector } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { answer } from './__fixtures__/watched-network.js';
import { createHttpProxyModule } from './index.js';

// The socket is connected to the checked address, but TLS must still speak to the NAME: SNI and the
// certificate check use the service's host name. A loopback HTTPS server with a certificate for
// `service.test` only, reached through a resolver that answers 127.0.0.1 for it and for `other.test`.

function haveOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!haveOpenssl())('https through the guard', () => {
  let dir: string;
  let server: Server;
  let port: number;
  let cert: Buffer;
  const servernames: (string | false | null)[] = [];
  let h: ModuleHarness;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'http-proxy-tls-'));
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-days',
        '1',
        '-keyout',
        join(dir, 'key.pem'),
        '-out',
        join(dir, 'cert.pem'),
        '-subj',
        '/CN=service.test',
        '-addext',
        'subjectAltName=DNS:service.test',
      ],
      { stdio: 'ignore' },
    );
    cert = readFileSync(join(dir, 'cert.pem'));
    server = createServer({ key: readFileSync(join(dir, 'key.pem')), cert }, (req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ host: req.headers.host }));
    });
    server.on('secureConnection', (socket) => servernames.push(socket.servername));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    port = (server.address() as AddressInfo).port;
    const module = createHttpProxyModule({
      lookup: async (name) => (name === 'service.test' || name === 'other.test' ? answer('127.0.0.1') : []),
      // undici's own connector, trusting only the test certificate.
      connect: buildConnector({ ca: cert, timeout: 5000 }),
    });
    h = await createModuleHarness(module, {
      config: {
        allowed_services: [
          { name: 'right', base_url: `https://service.test:${port}`, allow_private: true },
          { name: 'wrong', base_url: `https://other.test:${port}`, allow_private: true },
        ],
      },
    });
  });

  afterAll(async () => {
    await h?.close();
    server?.closeAllConnections();
    server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('the pinned address is connected with SNI and certificate check on the service name', async () => {
    const result = await h.call('get', { service: 'right', path: '' });
    expect(result.isError).toBe(false);
    expect(result.json()).toEqual({ host: `service.test:${port}` });
    expect(servernames.at(-1)).toBe('service.test');
  });

  it('a certificate for another name is refused, as without the pinning', async () => {
    const result = await h.call('get', { service: 'wrong', path: '' });
    expect(readErrorMeta(result.raw)?.code).toBe('SMCP_UPSTREAM_UNAVAILABLE');
    expect(result.text).toBe("Service 'wrong' could not be reached (ERR_TLS_CERT_ALTNAME_INVALID)");
  });
});
