import { isScopedMcpModule } from '../module/define.js';
import type { ScopedMcpModule } from '../module/types.js';
import type { PluginKind } from './load-plugin.js';

export const MODULE_KEYWORD = 'scoped-mcp-module';

/**
 * The modules this project publishes, by the name a manifest gives them (`type: sqlite`). A bare name
 * outside this list names no package that exists, so its fix is not an install.
 */
export const FIRST_PARTY_MODULES: readonly string[] = [
  'discord_webhook',
  'filesystem',
  'grafana',
  'http_proxy',
  'influxdb',
  'matrix',
  'mcp_proxy',
  'ntfy',
  'slack_webhook',
  'smtp',
  'sqlite',
];

/** Module packages as the plugin loader finds them. */
export const MODULE_PLUGIN: PluginKind<ScopedMcpModule> = {
  keyword: MODULE_KEYWORD,
  noun: 'module',
  expectedExport: 'a module made with defineModule() from @scoped-mcp/core',
  isExport: isScopedMcpModule,
};
