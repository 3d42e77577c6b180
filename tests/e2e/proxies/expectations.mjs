// What every cell of the proxy matrix must do (matrix.test.mjs checks it; the time-to-editable
// benchmark in bench/proxies/ reads the targets).
export const ALL = ['websocket', 'sse', 'poll'];

// What each cell must do. ws: 'ok' | {refused: status, code?} | 'silent' | 'hung';
// wsIdle / sseIdle: 'kept' or {cutMs}; sse: 'prompt' | 'buffered';
// poll: {status, ms, empty} of a poll held with nothing to send; converge: the transports
// two clients each are made to edit through; browser: the transport Chromium must settle on,
// and editableMs the target for page load to an editable, synced document.
const CORRECT = { ws: 'ok', wsIdle: 'kept', sse: 'prompt', sseIdle: 'kept', poll: { status: 200, ms: 25000, empty: true }, converge: ALL, browser: 'websocket', editableMs: 300 };
const NO_UPGRADE = { ...CORRECT, ws: { refused: 426, code: 'upgrade_required' }, converge: ['sse', 'poll'], browser: 'sse', editableMs: 1000 };
// Without --allow-origin, what a browser's POST gets (cells that run with it are checked on a
// second instance started without it): the deploy/ files pass Host, the naive nginx does not.
const CUT_AT_10S = { ...CORRECT, wsIdle: { cutMs: 10000 }, sseIdle: { cutMs: 10000 }, poll: { status: 504, ms: 10000, empty: false } };
const TUNED = { ...CORRECT, poll: { status: 200, ms: 8000, empty: true } };
const FAULT = { ...CORRECT, converge: ['sse', 'poll'], browser: 'sse', editableMs: 2000 };

export const EXPECTED = {
  '1-nginx': CORRECT,
  '1-apache': CORRECT,
  '1-caddy': CORRECT,
  '1-haproxy': CORRECT,
  '1-apache-tls': CORRECT,
  '1-caddy-tls': CORRECT,
  '1-haproxy-tls': CORRECT,
  '2-nginx-naive': { ...NO_UPGRADE, originWithoutAllowList: { status: 403, code: 'origin_not_allowed' } },
  '3-nginx-buffering': { ...NO_UPGRADE, sse: 'buffered', sseIdle: null, converge: ['poll'], browser: 'poll', editableMs: 2000 },
  '4-nginx-timeout': CUT_AT_10S,
  '4-nginx-timeout-tuned': TUNED,
  '5-apache-no-upgrade': NO_UPGRADE,
  '6-haproxy-no-tunnel': CUT_AT_10S,
  '6-haproxy-no-tunnel-tuned': TUNED,
  '7-silent': { ...FAULT, ws: 'silent' },
  '7-500': { ...FAULT, ws: { refused: 500 }, editableMs: 1000 },
  '7-hang': { ...FAULT, ws: 'hung' },
  '8-nginx-tls': CORRECT,
  // Stock pass VCL: Varnish drops Upgrade (426), streams chunked SSE at once, and answers a held
  // poll with its own 503 at the 10 s first-byte timeout.
  '9-varnish-pass': { ...NO_UPGRADE, poll: { status: 503, ms: 10000, empty: false } },
  '9-varnish': CORRECT,
};

// What `tandem doctor` must say through each cell: the transport browsers land on, the outcome
// of each check that tells the cell apart, and words the fixes must contain.
const DOCTOR_OK = { transport: 'websocket', code: 0, outcomes: { websocket: 'ok', sse: 'ok', post: 'ok', poll: 'ok' } };
const DOCTOR_NO_UPGRADE = { transport: 'sse', code: 1, outcomes: { websocket: 'refused', sse: 'ok', poll: 'ok' } };
const DOCTOR_CUT = { transport: 'websocket', code: 0, outcomes: { websocket: 'ok', poll: 'timeout' } };
export const DOCTOR = {
  '1-nginx': { ...DOCTOR_OK, proxy: 'nginx' },
  '1-apache': { ...DOCTOR_OK, proxy: 'Apache httpd' },
  '1-caddy': DOCTOR_OK,
  '1-haproxy': DOCTOR_OK,
  '1-apache-tls': DOCTOR_OK,
  '1-caddy-tls': DOCTOR_OK,
  '1-haproxy-tls': DOCTOR_OK,
  '2-nginx-naive': { ...DOCTOR_NO_UPGRADE, proxy: 'nginx', fix: 'proxy_http_version 1.1' },
  '3-nginx-buffering': { transport: 'poll', code: 1, proxy: 'nginx', outcomes: { websocket: 'refused', sse: 'buffered', poll: 'ok' }, fix: 'proxy_buffering off' },
  '4-nginx-timeout': { ...DOCTOR_CUT, proxy: 'nginx', fix: 'proxy_read_timeout 60s' },
  '4-nginx-timeout-tuned': { ...DOCTOR_OK, proxy: 'nginx' },
  '5-apache-no-upgrade': { ...DOCTOR_NO_UPGRADE, proxy: 'Apache httpd', fix: 'upgrade=websocket' },
  '6-haproxy-no-tunnel': { ...DOCTOR_CUT, fix: 'timeout server 60s' },
  '6-haproxy-no-tunnel-tuned': DOCTOR_OK,
  '7-silent': { ...DOCTOR_NO_UPGRADE, outcomes: { websocket: 'silent', sse: 'ok', poll: 'ok' } },
  '7-500': { ...DOCTOR_NO_UPGRADE, outcomes: { websocket: 'refused', sse: 'ok', poll: 'ok' } },
  '7-hang': { ...DOCTOR_NO_UPGRADE, outcomes: { websocket: 'hung', sse: 'ok', poll: 'ok' } },
  '8-nginx-tls': { ...DOCTOR_OK, proxy: 'nginx' },
  '9-varnish-pass': {
    transport: 'sse', code: 1, proxy: 'Varnish', outcomes: { websocket: 'refused', sse: 'ok', poll: 'timeout' }, fix: 'return (pipe)',
  },
  '9-varnish': { ...DOCTOR_OK, proxy: 'Varnish' },
};
