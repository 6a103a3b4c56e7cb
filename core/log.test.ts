import { expect, test } from 'vitest';
import { addSecret, addSecretsFromEnv, defaultLogLevel, redactSecrets } from './log.js';

test('a registered secret is redacted in every form it travels in, under any key or none', () => {
  addSecret('s3cr3t-"token"-value');
  addSecret('me@corp.example:tok-123456789');
  addSecret('short'); // too short to be told from ordinary text: left alone
  const basic = Buffer.from('me@corp.example:tok-123456789').toString('base64');
  expect(redactSecrets(`upstream said: Authorization: Basic ${basic}`)).toBe('upstream said: Authorization: Basic [redacted]');
  expect(redactSecrets(JSON.stringify({ detail: 'echo s3cr3t-"token"-value' }))).toBe('{"detail":"echo [redacted]"}');
  expect(redactSecrets(`b64 ${Buffer.from('s3cr3t-"token"-value').toString('base64url')}!`)).toBe('b64 [redacted]!');
  expect(redactSecrets('a short story')).toBe('a short story');
});

test('environment variables named like secrets are registered; others are not', () => {
  addSecretsFromEnv({ GITHUB_TOKEN: 'ghp_abcdefghijklmnop', AWS_SECRET_ACCESS_KEY: 'wJalrXUtnFEMI/K7MDENG', HOME: '/home/someone-long' });
  expect(redactSecrets('ghp_abcdefghijklmnop in /home/someone-long')).toBe('[redacted] in /home/someone-long');
  expect(redactSecrets('key=wJalrXUtnFEMI/K7MDENG')).toBe('key=[redacted]');
});

test('logs on a terminal are quiet (warn) unless LAPSE_LOG_LEVEL asks; elsewhere info', () => {
  expect(defaultLogLevel({}, true)).toBe('warn');
  expect(defaultLogLevel({}, false)).toBe('info');
  expect(defaultLogLevel({ LAPSE_LOG_LEVEL: 'debug' }, true)).toBe('debug');
  expect(defaultLogLevel({ LAPSE_LOG_LEVEL: 'info' }, true)).toBe('info');
});
