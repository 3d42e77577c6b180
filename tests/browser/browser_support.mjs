// Browser tests: Debian's chromium driven by playwright-core against a real `tandem serve`.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { repoRoot, TandemServer, tandemBin, slowFactor } from '../support/tandem_process.mjs';

export { TandemServer, slowFactor };

export const webDir = path.join(path.dirname(tandemBin), 'web');
export const artifactsDir = path.join(repoRoot, 'build', 'browser-artifacts');
mkdirSync(artifactsDir, { recursive: true });

export const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
  '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1 , EXCLUDE localhost',
];

export function launchBrowser() {
  return chromium.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_ARGS, headless: true });
}

/** A server for browser tests, serving the built demo. */
export function startServer({ args = [], dataDir, listen } = {}) {
  return TandemServer.start({ args: ['--static-dir', webDir, ...args], dataDir, listen });
}

export async function readDoc(server, id) {
  const res = await fetch(`${server.url}/v1/docs/${id}`);
  return res.json();
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Opens the demo on `doc` and waits until the editor is editable and synced. */
export async function openEditor(context, server, doc, query = '') {
  const page = await context.newPage();
  page.on('pageerror', (error) => console.error(`[page error] ${error.message}`));
  const started = Date.now();
  await page.goto(`${server.url}/d/${doc}${query}`);
  await page.waitForSelector('[data-testid="editor"]:not([readonly])', { timeout: 15000 * slowFactor });
  return { page, ms: Date.now() - started };
}

export const editor = (page) => page.locator('[data-testid="editor"]');

/** The text the editor shows (textarea value or CodeMirror document). */
export async function shownText(page) {
  return page.evaluate(() => window.tandemEditorText?.() ?? null);
}

export async function waitSaved(page, timeout = 15000 * slowFactor) {
  await page.waitForFunction(() => window.tandemDoc && window.tandemDoc.saved, null, { timeout });
}

export async function screenshot(page, name) {
  await page.screenshot({ path: path.join(artifactsDir, `${name}.png`) });
}
