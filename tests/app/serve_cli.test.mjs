// The `tandem` command line: help, configuration sources and their precedence, bad input.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { runTandem, makeTempDir, TandemServer } from '../support/tandem_process.mjs';
import { request } from '../support/http_client.mjs';

const SETTINGS = [
  'listen', 'data', 'static-dir', 'threads', 'log-format', 'log-level', 'max-header-bytes',
  'max-body-bytes', 'header-timeout', 'body-timeout', 'idle-timeout', 'shutdown-timeout',
];

function parseToml(text) {
  const values = {};
  for (const line of text.trim().split('\n')) {
    const match = /^([a-z-]+) = "(.*)"$/.exec(line);
    assert.ok(match, `unexpected line ${line}`);
    values[match[1]] = match[2];
  }
  return values;
}

describe('tandem --help', () => {
  test('lists the subcommands', async () => {
    const { code, stdout } = await runTandem(['--help']);
    assert.equal(code, 0);
    assert.match(stdout, /serve/);
    assert.match(stdout, /ot-eval/);
  });

  test('serve --help documents every setting with its env variable and default', async () => {
    const { code, stdout } = await runTandem(['serve', '--help']);
    assert.equal(code, 0);
    for (const key of SETTINGS) {
      assert.match(stdout, new RegExp(`--${key}\\b`), `--${key} missing`);
      const env = `TANDEM_${key.toUpperCase().replaceAll('-', '_')}`;
      assert.match(stdout, new RegExp(env), `${env} missing`);
    }
    assert.match(stdout, /--config/);
    assert.match(stdout, /flag > environment > config file > default/);
  });

  test('--version prints the version', async () => {
    const { code, stdout } = await runTandem(['--version']);
    assert.equal(code, 0);
    assert.match(stdout, /^tandem \d+\.\d+\.\d+/);
  });
});

describe('configuration precedence through the real binary', () => {
  test('flag > environment > config file > default', async () => {
    const dir = makeTempDir();
    try {
      const file = path.join(dir, 'tandem.toml');
      writeFileSync(file, [
        'listen = "127.0.0.1:1111"',
        'data = "from-file"',
        'log-format = "json"',
        'idle-timeout = "5s"',
        '',
      ].join('\n'));
      const { code, stdout, stderr } = await runTandem(
        ['serve', '--config', file, '--listen', '127.0.0.1:3333', '--print-config'],
        { env: { TANDEM_LISTEN: '127.0.0.1:2222', TANDEM_DATA: 'from-env' } },
      );
      assert.equal(code, 0, stderr);
      const values = parseToml(stdout);
      assert.equal(values.listen, '127.0.0.1:3333');   // flag
      assert.equal(values.data, 'from-env');           // environment over file
      assert.equal(values['log-format'], 'json');      // file over default
      assert.equal(values['idle-timeout'], '5s');      // file over default
      assert.equal(values['header-timeout'], '10s');   // default
      assert.equal(values['max-body-bytes'], '1MiB');  // default
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('TANDEM_CONFIG names the config file when --config is absent', async () => {
    const dir = makeTempDir();
    try {
      const file = path.join(dir, 'tandem.toml');
      writeFileSync(file, 'threads = 3\n');
      const { code, stdout } = await runTandem(['serve', '--print-config'], {
        env: { TANDEM_CONFIG: file },
      });
      assert.equal(code, 0);
      assert.equal(parseToml(stdout).threads, '3');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('settings from a file take effect on a running server', async () => {
    const dir = makeTempDir();
    try {
      const file = path.join(dir, 'tandem.toml');
      writeFileSync(file, 'max-body-bytes = "1KiB"\nlog-format = "json"\n');
      const server = await TandemServer.start({ args: ['--config', file] });
      try {
        const res = await request(`${server.url}/healthz`, { method: 'POST', body: 'x'.repeat(2000) });
        assert.equal(res.status, 413);
        const first = server.log.split('\n')[0];
        assert.equal(JSON.parse(first).level, 'info', first);
        assert.match(JSON.parse(first).msg, /^listening on http:\/\//);
      } finally {
        assert.equal((await server.stop()).code, 0);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('bad configuration exits non-zero and names the problem', () => {
  const cases = [
    ['an unknown key in the file', { file: 'listne = "127.0.0.1:1"\n' }, /key 'listne': unknown setting/],
    ['a bad value in the file', { file: 'idle-timeout = "soon"\n' }, /key 'idle-timeout': expected a duration/],
    ['a TOML syntax error', { file: 'listen = \n' }, /tandem\.toml:1:/],
    ['a bad environment value', { env: { TANDEM_MAX_BODY_BYTES: 'huge' } }, /TANDEM_MAX_BODY_BYTES: expected a size/],
    ['a bad flag value', { args: ['--listen', 'nowhere'] }, /--listen: expected HOST:PORT/],
    ['a bad log format', { args: ['--log-format', 'xml'] }, /--log-format: expected one of text json/],
  ];
  for (const [name, { file, env = {}, args = [] }, pattern] of cases) {
    test(name, async () => {
      const dir = makeTempDir();
      try {
        const extra = [];
        if (file !== undefined) {
          writeFileSync(path.join(dir, 'tandem.toml'), file);
          extra.push('--config', path.join(dir, 'tandem.toml'));
        }
        const { code, stderr } = await runTandem(
          ['serve', '--data', path.join(dir, 'data'), ...extra, ...args], { env });
        assert.notEqual(code, 0);
        assert.match(stderr, pattern);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }

  test('an unknown flag is refused', async () => {
    const { code, stderr } = await runTandem(['serve', '--no-such-flag']);
    assert.notEqual(code, 0);
    assert.match(stderr, /no-such-flag/);
  });

  test('a missing config file is named', async () => {
    const { code, stderr } = await runTandem(['serve', '--config', '/nonexistent/tandem.toml']);
    assert.notEqual(code, 0);
    assert.match(stderr, /\/nonexistent\/tandem\.toml/);
  });

  test('a port already in use exits non-zero with the reason', async () => {
    const server = await TandemServer.start();
    try {
      const dir = makeTempDir();
      const { code, stderr } = await runTandem(
        ['serve', '--listen', `127.0.0.1:${server.port}`, '--data', dir]);
      rmSync(dir, { recursive: true, force: true });
      assert.equal(code, 1);
      assert.match(stderr, /cannot listen on 127\.0\.0\.1:\d+: Address already in use/);
    } finally {
      await server.stop();
    }
  });

  test('a data directory in use by another server is refused', async () => {
    const server = await TandemServer.start();
    try {
      const { code, stderr } = await runTandem(
        ['serve', '--listen', '127.0.0.1:0', '--data', server.dataDir]);
      assert.equal(code, 1);
      assert.match(stderr, /in use by another tandem process/);
    } finally {
      await server.stop();
    }
  });
});
