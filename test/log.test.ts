import t from 'tap';
import { inspect } from 'node:util';
import { maskDiagnostic, parseLogLevel, redactRecord, stageLogger, tenantLogger } from '../src/log.js';
import { Secret } from '../src/secret.js';
import { capturedLogger } from './helpers/capture.js';

t.test('a Secret prints [redacted] in JSON, inspect and string contexts', async (t) => {
  const secret = new Secret('s3cr3t-value-1');
  t.equal(JSON.stringify({ secret }), '{"secret":"[redacted]"}');
  t.equal(inspect(secret), '[redacted]');
  t.equal(`${secret}`, '[redacted]');
  t.equal(String(secret), '[redacted]');
  t.equal(secret.reveal(), 's3cr3t-value-1');
});

t.test('secret-looking keys are redacted at any depth', async (t) => {
  const record = redactRecord(
    {
      msg: 'Request sent',
      headers: { Authorization: 'Bearer abc', cookie: 'a=b', 'x-api-key': 'k' },
      nested: [{ clientSecret: 'x', password: 'y', token: 'z', count: 3 }],
      tokenExpiresInSeconds: 3600,
    },
    'conceal',
  );
  t.same(record.headers, { Authorization: '[redacted]', cookie: '[redacted]', 'x-api-key': '[redacted]' });
  t.same(record.nested, [{ clientSecret: '[redacted]', password: '[redacted]', token: '[redacted]', count: 3 }]);
  t.equal(record.tokenExpiresInSeconds, 3600, 'counts named like tokens stay readable');
});

t.test('credential and private-key fields are redacted in every spelling', async (t) => {
  const record = redactRecord(
    {
      credential: 'c-1',
      credentials: { user: 'u' },
      clientCredentials: 'c-2',
      'private-key': 'pk-1',
      private_key: 'pk-2',
      privateKey: 'pk-3',
      sslPrivateKeyPath: '/etc/key.pem',
      apiKey: 'k-1',
      passwd: 'p-1',
    },
    'conceal',
  );
  for (const [key, value] of Object.entries(record)) t.equal(value, '[redacted]', key);
});

t.test('every occurrence of a secret in free text is scrubbed, not only the first', async (t) => {
  const secret = new Secret('repeated-secret-value-77');
  const { logger, output } = capturedLogger();
  logger.warn({ error: `a ${secret.reveal()} b ${secret.reveal()} c ${secret.reveal()}`, nested: { detail: [`${secret.reveal()}${secret.reveal()}`] } }, 'Echoed twice');
  t.notMatch(output.text(), secret.reveal());
  const line = output.lines()[0]!;
  t.equal(line.error, 'a [redacted] b [redacted] c [redacted]');
  t.same((line.nested as { detail: string[] }).detail, ['[redacted][redacted]']);
  const direct = redactRecord({ msg: `x ${secret.reveal()} y ${secret.reveal()}` }, 'disclose');
  t.equal(direct.msg, 'x [redacted] y [redacted]');
});

t.test('a resolved secret value is scrubbed from free text', async (t) => {
  const secret = new Secret('leaked-into-a-message-42');
  const { logger, output } = capturedLogger();
  logger.error({ error: `upstream said: bad credential leaked-into-a-message-42` }, 'Token request failed');
  t.notMatch(output.text(), secret.reveal());
  t.match(output.text(), 'bad credential [redacted]');
});

t.test('conceal masks titles, names and emails; disclose keeps them', async (t) => {
  t.equal(maskDiagnostic('John Smith'), '**** *mith');
  const concealed = capturedLogger('info', 'conceal');
  concealed.logger.info({ title: 'Salary review 2026', email: 'jane@example.com', pageId: '42' }, 'Page skipped');
  const record = concealed.output.lines()[0]!;
  t.equal(record.title, '****** ****** 2026');
  t.equal(record.email, '************.com');
  t.equal(record.pageId, '42', 'ids are not diagnostic data');
  const disclosed = capturedLogger('info', 'disclose');
  disclosed.logger.info({ title: 'Salary review 2026' }, 'Page skipped');
  t.equal(disclosed.output.lines()[0]!.title, 'Salary review 2026');
});

t.test('tenant and stage child loggers put their fields on every line', async (t) => {
  const { logger, output } = capturedLogger();
  const stage = stageLogger(tenantLogger(logger, 'acme'), 'diff');
  stage.info({ spaces: 2 }, 'Diff done');
  stage.debug('Detail');
  for (const line of output.lines()) {
    t.equal(line.tenant, 'acme');
    t.equal(line.stage, 'diff');
  }
  t.equal(output.lines().length, 2);
});

t.test('LOG_LEVEL parsing falls back to info', async (t) => {
  t.equal(parseLogLevel('DEBUG'), 'debug');
  t.equal(parseLogLevel('warn'), 'warn');
  t.equal(parseLogLevel('verbose'), 'info');
  t.equal(parseLogLevel(undefined), 'info');
  const { logger, output } = capturedLogger('warn');
  logger.info('hidden');
  logger.warn('shown');
  t.equal(output.lines().length, 1);
});
