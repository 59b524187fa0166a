// Drives VS Code in the browser (code-server) with Playwright and headless Chromium, for
// tests/editors/test_vscode_web.py, which starts code-server, checks what this script saw and
// compares it with `netpol-lsp check`. Prints one JSON object on stdout; the last line on stderr
// names the step that failed.
//
// Arguments (one JSON object in argv[2]):
//   playwright: path of the playwright-core package;  chromium: the browser executable
//   url: code-server's address with ?folder=;  screenshots: a folder to write PNGs into
//   policyFile: the file to open;  policyName: the policy's name, hovered
//   fixLine: the 1-based line of the finding whose quick fix is applied;  fixTitle: part of its title
//   expectCounts: {errors, warnings, infos} the status bar must reach before the panel is read
import { createRequire } from 'module';
import * as path from 'path';

const args = JSON.parse(process.argv[2]);
const require = createRequire(path.join(args.playwright, 'package.json'));
const { chromium } = require(args.playwright);

const out = { steps: [] };
let step = 'start';
const mark = (name) => { step = name; out.steps.push([name, Date.now() - started]); };
const started = Date.now();

// The status bar's problems item, e.g. "Warnings: 9, Infos: 1" (a kind with none is left out).
async function problemCounts(page) {
  const label = await page.locator('[id="status.problems"] a, [id="status.problems"]').first()
    .getAttribute('aria-label').catch(() => null);
  if (label === null) return null;
  const count = (word) => Number((label.match(new RegExp(`${word}: (\\d+)`)) || [0, 0])[1]);
  return { label, errors: count('Errors'), warnings: count('Warnings'), infos: count('Infos') };
}

async function waitForCounts(page, want, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  let last = null;
  while (Date.now() < deadline) {
    last = await problemCounts(page);
    if (last && last.errors === want.errors && last.warnings === want.warnings && last.infos === want.infos) {
      return last;
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`the status bar never showed ${JSON.stringify(want)}; last: ${JSON.stringify(last)}`);
}

async function runCommand(page, title) {
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

/** The editor's visible text, one string per line (Monaco renders spaces as U+00A0). */
async function editorLines(page) {
  return page.locator('.monaco-editor .view-lines .view-line').evaluateAll((els) =>
    els.map((e) => ({ top: parseFloat(e.style.top || '0'), text: e.textContent.replace(/\u00a0/g, ' ') }))
      .sort((a, b) => a.top - b.top).map((l) => l.text));
}

const browser = await chromium.launch({
  executablePath: args.chromium,
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  mark('load the workbench');
  await page.goto(args.url);
  await page.locator('.explorer-folders-view .monaco-list-row').first().waitFor({ timeout: 90_000 });

  mark('open the policy file');
  await page.getByRole('treeitem', { name: args.policyFile, exact: true }).click();
  const editor = page.locator('.monaco-editor .view-lines');
  await editor.waitFor({ timeout: 60_000 });

  mark('wait for the diagnostics');
  out.statusBar = (await waitForCounts(page, args.expectCounts, 90_000)).label;

  mark('read the Problems panel');
  await runCommand(page, 'View: Focus Problems');
  await page.locator('.markers-panel .monaco-list-row').first().waitFor();
  await runCommand(page, 'View: Toggle Maximized Panel');
  await page.waitForTimeout(500);
  // the list is virtual: rows outside the panel are not in the page, so read while scrolling
  const seen = new Map();
  const list = page.locator('.markers-panel .monaco-list');
  for (let i = 0; i < 40; i++) {
    const rows = await page.locator('.markers-panel .monaco-list-row').evaluateAll((els) =>
      els.map((e) => [Number(e.getAttribute('data-index')), e.getAttribute('aria-label')]));
    for (const [index, label] of rows) seen.set(index, label);
    const scrolled = await list.evaluate((el) => {
      const s = el.querySelector('.monaco-scrollable-element');
      const before = s ? s.scrollTop : 0;
      el.dispatchEvent(new WheelEvent('wheel', { deltaY: 400, bubbles: true }));
      return before;
    });
    await page.waitForTimeout(100);
    const after = await list.evaluate((el) => {
      const s = el.querySelector('.monaco-scrollable-element');
      return s ? s.scrollTop : 0;
    });
    if (after === scrolled) break;
  }
  out.problems = [...seen.entries()].sort((a, b) => a[0] - b[0]).map(([, label]) => label);
  await runCommand(page, 'View: Toggle Maximized Panel');

  mark('hover the policy');
  const name = page.locator('.monaco-editor .view-lines span', { hasText: new RegExp(`^${args.policyName}$`) }).first();
  await name.hover();
  const hover = page.locator('.monaco-hover:visible .hover-contents, .monaco-hover:visible .rendered-markdown').first();
  await hover.waitFor({ timeout: 30_000 });
  await page.locator('.monaco-hover:visible', { hasText: 'NetworkPolicy' }).first().waitFor({ timeout: 30_000 });
  out.hover = await page.locator('.monaco-hover:visible').first().innerText();
  await page.screenshot({ path: path.join(args.screenshots, 'vscode-hover-and-problems.png') });
  await page.mouse.move(5, 500);
  await page.keyboard.press('Escape');
  await page.locator('.monaco-hover:visible').first().waitFor({ state: 'hidden', timeout: 10_000 }).catch(() => {});

  mark('apply the quick fix');
  out.linesBefore = await editorLines(page);
  const fixLine = page.locator('.monaco-editor .view-lines .view-line').filter({ hasText: out.linesBefore[args.fixLine - 1].trim() }).first();
  await fixLine.click();
  await page.keyboard.press('Home');
  await page.keyboard.press('Control+.');
  const actions = page.locator('.action-widget .monaco-list-row');
  await actions.first().waitFor({ timeout: 30_000 });
  out.quickFixes = await actions.evaluateAll((els) => els.map((e) => e.textContent.trim()));
  await page.screenshot({ path: path.join(args.screenshots, 'vscode-quick-fix.png') });
  // the widget's pointer block covers its rows from a synthetic click: choose with the keyboard
  for (let i = 0; i < out.quickFixes.length; i++) {
    const focused = await page.locator('.action-widget .monaco-list-row.focused').first().textContent();
    if (focused.includes(args.fixTitle)) break;
    await page.keyboard.press('ArrowDown');
  }
  out.quickFixApplied = (await page.locator('.action-widget .monaco-list-row.focused').first().textContent()).trim();
  await page.keyboard.press('Enter');
  // the inserted key on a line of its own (the file's top comment already mentions policyTypes)
  await page.waitForFunction((want) => [...document.querySelectorAll('.monaco-editor .view-lines .view-line')]
    .some((e) => e.textContent.trim() === want), 'policyTypes:', { timeout: 30_000 });
  out.linesAfter = await editorLines(page);
  // reported, not checked here: the code lens above the policy, for comparison with the hover
  out.codeLenses = await page.locator('.monaco-editor .codelens-decoration').allTextContents();

  mark('wait for the diagnostics after the fix');
  out.statusBarAfter = (await waitForCounts(page, args.expectCountsAfter, 60_000)).label;
  await page.screenshot({ path: path.join(args.screenshots, 'vscode-after-fix.png') });
  mark('done');
} catch (err) {
  out.error = `${step}: ${err && err.stack ? err.stack : err}`;
  try {
    const pages = browser.contexts().flatMap((c) => c.pages());
    if (pages.length) await pages[0].screenshot({ path: path.join(args.screenshots, 'vscode-failure.png') });
  } catch { /* the failure itself is reported */ }
} finally {
  await browser.close();
}
process.stdout.write(JSON.stringify(out) + '\n');
process.exit(out.error ? 1 : 0);
