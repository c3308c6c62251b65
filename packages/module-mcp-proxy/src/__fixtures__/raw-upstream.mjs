// A raw JSON-RPC stdio server (no SDK) that controls how its messages are framed: it answers a tools/call
// with its last progress notification and the result in ONE write, as a busy server's pipe can deliver them.
import { createInterface } from 'node:readline';

const send = (...messages) => process.stdout.write(messages.map((m) => `${JSON.stringify(m)}\n`).join(''));
const lines = createInterface({ input: process.stdin });
lines.on('line', (line) => {
  const message = JSON.parse(line);
  if (message.method === 'initialize') {
    send({
      jsonrpc: '2.0',
      id: message.id,
      result: {
        protocolVersion: message.params.protocolVersion,
        capabilities: { tools: {} },
        serverInfo: { name: 'raw-upstream', version: '1.0.0' },
      },
    });
  } else if (message.method === 'tools/list') {
    send({
      jsonrpc: '2.0',
      id: message.id,
      result: {
        tools: [
          {
            name: 'burst',
            description: 'Progress and result in one write.',
            inputSchema: { type: 'object' },
          },
        ],
      },
    });
  } else if (message.method === 'tools/call') {
    const token = message.params._meta?.progressToken;
    const progress = (n) => ({
      jsonrpc: '2.0',
      method: 'notifications/progress',
      params: { progressToken: token, progress: n, total: 2 },
    });
    const result = {
      result: { content: [{ type: 'text', text: 'burst done' }] },
      jsonrpc: '2.0',
      id: message.id,
    };
    if (token === undefined) send(result);
    else send(progress(1), progress(2), result);
  } else if (message.id !== undefined && message.method !== undefined) {
    send({ jsonrpc: '2.0', id: message.id, error: { code: -32601, message: 'Method not found' } });
  }
});
