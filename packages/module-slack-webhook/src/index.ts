export { default, slackConfig } from './slack-module.js';
export { SLACK_MAX_TEXT_CHARS } from './slack-webhook.js';
