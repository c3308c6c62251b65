import type { HitlNotifyConfig } from '../manifest/manifest-types.js';
import type { NotifierDeps, NotifierSetup } from './notifier.js';
import { logNotifier } from './notify-log.js';
import { matrixNotifier } from './notify-matrix.js';
import { ntfyNotifier } from './notify-ntfy.js';
import { webhookNotifier } from './notify-webhook.js';

/** The manifest's `hitl.notify`, built once at startup. */
export function createNotifier(config: HitlNotifyConfig, deps: NotifierDeps): NotifierSetup {
  switch (config.type) {
    case 'ntfy':
      return ntfyNotifier(config, deps);
    case 'webhook':
      return webhookNotifier(config, deps);
    case 'matrix':
      return matrixNotifier(config, deps);
    default:
      return { notifier: logNotifier(deps.audit), warnings: [] };
  }
}
