export { default, discordConfig } from './discord-module.js';
export { DISCORD_MAX_CONTENT, truncateContent } from './discord-webhook.js';
