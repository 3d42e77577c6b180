// The browser layer of the proxy matrix (issue 7): two Chromium contexts open one document of
// the demo through the cell's proxy and type into it at once, as two people would. Records the
// transport each page settled on, the time from navigation start to an editable, synced
// document, and whether both pages and the server ended with every keystroke exactly once.
import { launchBrowser, sleep, slowFactor } from '../../browser/browser_support.mjs';

const EDITABLE_TIMEOUT_MS = 20000 * slowFactor;
const CONVERGE_TIMEOUT_MS = 20000 * slowFactor;
const TYPE_DELAY_MS = 25;

let browser = null;
export async function sharedBrowser() {
  browser ??= launchBrowser();
  return browser;
}
export async function closeBrowser() {
  if (browser) await (await browser).close();
  browser = null;
}

// One browser measurement at a time: eighteen cells loading pages at once on two cores would
// measure the machine, not the proxy.
let queue = Promise.resolve();
export function exclusive(fn) {
  const run = queue.then(fn, fn);
  queue = run.catch(() => {});
  return run;
}

async function openPage(cell, doc) {
  const context = await (await sharedBrowser()).newContext({ ignoreHTTPSErrors: true });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  const response = await page.goto(`${cell.url}/d/${doc}`);
  await page.waitForSelector('[data-testid="editor"]:not([readonly])', { timeout: EDITABLE_TIMEOUT_MS });
  const editableMs = Math.round(await page.evaluate(() => window.tandemEditableMs));
  return { context, page, errors, status: response?.status() ?? null, editableMs };
}

function pageState(page) {
  return page.evaluate(() => ({
    text: window.tandemEditorText?.() ?? null,
    saved: window.tandemDoc?.saved ?? false,
    transport: window.tandem?.status.transport ?? null,
    state: window.tandem?.status.state ?? null,
    banner: document.querySelector('[data-testid="status"]')?.textContent ?? '',
    reconnects: window.tandem?.diagnostics().reconnects ?? null,
    idleTimeoutMs: window.tandem?.diagnostics().idleTimeoutMs ?? null,
  }));
}

async function typeInto(page, text, where) {
  await page.locator('[data-testid="editor"]').click();
  await page.keyboard.press(where === 'start' ? 'Control+Home' : 'Control+End');
  await page.keyboard.type(text, { delay: TYPE_DELAY_MS });
}

async function serverText(cell, doc) {
  // Straight from the upstream: the proxy is what is under test, not the reader.
  const res = await fetch(`${cell.upstream.url}/v1/docs/${doc}`);
  return res.ok ? (await res.json()).text : null;
}

// Both pages saved, agreeing with each other and with the server's durable copy.
async function waitConverged(cell, doc, pages) {
  const deadline = Date.now() + CONVERGE_TIMEOUT_MS;
  let states = [];
  let durable = null;
  while (Date.now() < deadline) {
    states = await Promise.all(pages.map((p) => pageState(p.page)));
    durable = await serverText(cell, doc);
    if (states.every((s) => s.saved && s.text === durable)) return { converged: true, text: durable, states };
    await sleep(50);
  }
  return { converged: false, text: durable, states };
}

// Every character typed is in the text exactly once (the typed strings share no character).
function missingOrDoubled(text, typed) {
  const wrong = [];
  for (const ch of typed.join('')) {
    const count = text === null ? 0 : text.split(ch).length - 1;
    if (count !== 1) wrong.push(`${ch}×${count}`);
  }
  return wrong;
}

/**
 * Opens two pages on `doc` through the cell (one after the other, each measured alone), types
 * into both at once, and checks convergence. With `idleMs`, then leaves both pages idle that
 * long (outside the exclusive section: a cut proxy's timeout is the point) and types again.
 */
export async function browserCheck(cell, { doc = 'browser', idleMs = 0 } = {}) {
  const record = { pages: [], rounds: [] };
  const pages = [];
  const round = async (typed) => {
    const started = Date.now();
    await Promise.all([typeInto(pages[0].page, typed[0], 'end'), typeInto(pages[1].page, typed[1], 'start')]);
    const result = await waitConverged(cell, doc, pages);
    record.rounds.push({
      ms: Date.now() - started,
      typed: typed.join('').length,
      converged: result.converged,
      wrong: missingOrDoubled(result.text, typed),
      states: result.states.map(({ transport, state, reconnects, banner }) => ({ transport, state, reconnects, banner })),
    });
  };
  try {
    await exclusive(async () => {
      for (let i = 0; i < 2; i++) {
        const opened = await openPage(cell, doc);
        pages.push(opened);
        const state = await pageState(opened.page);
        record.pages.push({ status: opened.status, editableMs: opened.editableMs, transport: state.transport });
      }
      await round(['abcdefghijklmn', 'ABCDEFGHIJKLMN']);
    });
    if (idleMs > 0) {
      await sleep(idleMs);
      await exclusive(() => round(['opqrstuvwxyz', 'OPQRSTUVWXYZ']));
    }
    const finals = await Promise.all(pages.map((p) => pageState(p.page)));
    record.final = finals.map(({ transport, state, reconnects, idleTimeoutMs, banner }) => ({ transport, state, reconnects, idleTimeoutMs, banner }));
    record.pageErrors = pages.flatMap((p) => p.errors);
  } finally {
    await Promise.all(pages.map((p) => p.context.close().catch(() => {})));
  }
  return record;
}
