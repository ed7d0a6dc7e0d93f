// Opens lesson notebooks in JupyterLab in headless Chromium (Debian's
// /usr/bin/chromium driven by playwright-core), runs all cells through the
// UI, records what the page shows per cell, saves, reopens the saved file and
// records again. tests/test_browser.py starts the server and judges the JSON.
//
//   node jupyterlab_test.mjs --url=http://127.0.0.1:8888 --token=T --out=build/browser \
//       --notebook=loesung:loesungen_01_erstes_netz.ipynb [--notebook=…] [--run-timeout=2400]
//       [--stall-timeout=600] [--simulate-stall=name]
//
// A kernel that runs no cell for --stall-timeout seconds while cells wait is
// taken as hung (seen once in CI: evcxr_jupyter's ZeroMQ router blocked after a
// reconnect, README „Wenn etwas schiefgeht“): the kernel is restarted once,
// as a student would, and the notebook runs again; a second hang fails with
// that message instead of waiting for --run-timeout. --simulate-stall=name
// stops that notebook's kernel (SIGSTOP) before its run and gives that run a
// stall timeout of 10 s, so that the test can check the restart.
//
// Notebook paths are relative to the server's root; CHROMIUM overrides the browser.
//
// Writes <out>/<name>.json and screenshots <out>/<name>*.png; exits 1 on a
// problem with the page itself (the JSON then has "error").

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';

const args = Object.create(null);
const notebooks = [];
for (const a of process.argv.slice(2)) {
  const m = /^--([^=]+)=(.*)$/s.exec(a);
  if (!m) throw new Error(`Unbekanntes Argument: ${a}`);
  if (m[1] === 'notebook') {
    const [name, ...rest] = m[2].split(':');
    notebooks.push({ name, path: rest.join(':') });
  } else args[m[1]] = m[2];
}
const URL_BASE = (args.url ?? process.env.JUPYTER_URL ?? '').replace(/\/$/, '');
const TOKEN = args.token ?? process.env.JUPYTER_TOKEN ?? '';
const OUT = path.resolve(args.out ?? 'build/browser');
const CHROMIUM = args.chromium ?? process.env.CHROMIUM ?? '/usr/bin/chromium';
const RUN_TIMEOUT_MS = Number(args['run-timeout'] ?? 2400) * 1000;
const STALL_MS = Number(args['stall-timeout'] ?? 600) * 1000;
const SIMULATE_STALL = args['simulate-stall'] ?? '';
const SIMULATED_STALL_MS = 10000;
if (!URL_BASE || !TOKEN || notebooks.length === 0) {
  console.error('Aufruf: node jupyterlab_test.mjs --url=… --token=… --out=… --notebook=name:pfad.ipynb …');
  process.exit(2);
}

const CELLS = '.jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook .jp-Cell';
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const t0 = Date.now();
const log = (msg) => console.error(`[browser ${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${msg}`);

// ---- Jupyter REST API ----------------------------------------------------

async function api(route, init = {}) {
  const res = await fetch(`${URL_BASE}${route}`, {
    ...init,
    headers: { Authorization: `token ${TOKEN}`, ...(init.headers ?? {}) },
  });
  if (!res.ok) throw new Error(`Jupyter-API ${init.method ?? 'GET'} ${route}: HTTP ${res.status}`);
  return res.status === 204 ? null : res.json();
}

const encodePath = (p) => p.split('/').map(encodeURIComponent).join('/');

async function sessionFor(nbPath) {
  const sessions = await api('/api/sessions');
  return sessions.find((s) => s.path === nbPath || s.notebook?.path === nbPath) ?? null;
}

async function kernelState(nbPath) {
  const s = await sessionFor(nbPath);
  return s?.kernel?.execution_state ?? 'none';
}

async function lastModified(nbPath) {
  return (await api(`/api/contents/${encodePath(nbPath)}?content=0`)).last_modified;
}

async function shutDownSession(nbPath) {
  const s = await sessionFor(nbPath);
  if (s) await api(`/api/sessions/${s.id}`, { method: 'DELETE' });
}

// A run in which no cell finished for the stall timeout while cells waited.
class KernelStall extends Error {}

async function kernelId(nbPath, label) {
  const id = (await sessionFor(nbPath))?.kernel?.id;
  if (!id) throw new Error(`${label}: keine Kernel-Sitzung für ${nbPath}`);
  return id;
}

// The simulated hang: the kernel process (its command line names the
// connection file kernel-<id>.json) gets SIGSTOP and answers nothing more.
async function stopKernel(nbPath, label) {
  const id = await kernelId(nbPath, label);
  const pids = execFileSync('pgrep', ['-f', `kernel-${id}`], { encoding: 'utf8' })
    .trim().split(/\s+/).map(Number);
  for (const pid of pids) process.kill(pid, 'SIGSTOP');
  log(`${label}: Kernel angehalten (SIGSTOP an ${pids.join(', ')}), ein simulierter Hänger`);
}

async function restartKernel(nbPath, label) {
  const id = await kernelId(nbPath, label);
  // The server asks the kernel to end, kills it when it does not answer, and starts it again.
  await api(`/api/kernels/${id}/restart`, { method: 'POST' });
  await waitFor(`${label}: Rust-Kernel nach dem Neustart bereit (idle)`, 300000,
    async () => (await kernelState(nbPath)) === 'idle');
}

async function waitFor(what, timeoutMs, probe, intervalMs = 1000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > until) throw new Error(`Zeitüberschreitung (${timeoutMs / 1000} s): ${what}`);
    await sleep(intervalMs);
  }
}

// ---- the page ------------------------------------------------------------

// Runs in the page: the visible notebook's cells as the student sees them.
async function collectCells() {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  if (!panel) return null;
  const cells = [...panel.querySelectorAll('.jp-Notebook .jp-Cell')];
  const imgs = cells.flatMap((c) => [...c.querySelectorAll('.jp-OutputArea img')]);
  await Promise.all(imgs.map((i) => (i.decode ? i.decode().catch(() => null) : null)));
  return cells.map((cell, index) => {
    const type = cell.classList.contains('jp-CodeCell')
      ? 'code'
      : cell.classList.contains('jp-MarkdownCell')
        ? 'markdown'
        : 'raw';
    const firstLine =
      cell.querySelector('.cm-content .cm-line')?.textContent ??
      cell.querySelector('.jp-RenderedMarkdown')?.textContent?.trim().split('\n')[0] ??
      '';
    const prompt = cell.querySelector('.jp-InputArea-prompt')?.textContent?.trim() ?? '';
    const outputs = [...cell.querySelectorAll('.jp-OutputArea-output')].map((o) => ({
      mime: o.getAttribute('data-mime-type') ?? '',
      classes: [...o.classList].filter((c) => c.startsWith('jp-Rendered')),
      text: o.textContent ?? '',
    }));
    const images = [...cell.querySelectorAll('.jp-OutputArea img')].map((img) => {
      const src = img.getAttribute('src') ?? '';
      return {
        src_start: src.slice(0, 30),
        png: src.startsWith('data:image/png;base64,'),
        complete: img.complete,
        natural_width: img.naturalWidth,
        natural_height: img.naturalHeight,
        shown_width: Math.round(img.getBoundingClientRect().width),
      };
    });
    return {
      index,
      type,
      first_line: firstLine.slice(0, 120),
      prompt,
      outputs,
      text: outputs.map((o) => o.text).join('\n'),
      images,
      decoded_png: images.filter((i) => i.png && i.complete && i.natural_width > 0 && i.shown_width > 0).length,
    };
  });
}

// Runs in the page: execution prompts of the visible notebook.
function promptState() {
  const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
  const prompts = [...(panel?.querySelectorAll('.jp-Notebook .jp-Cell') ?? [])]
    .map((c, i) => ({
      i,
      code: c.classList.contains('jp-CodeCell'),
      p: c.querySelector('.jp-InputArea-prompt')?.textContent ?? '',
      empty: !(c.querySelector('.cm-content')?.textContent ?? '').trim(),
    }))
    .filter((c) => c.code);
  return {
    code: prompts.length,
    running: prompts.filter((c) => c.p.includes('*')).length,
    executed: prompts.filter((c) => /\[\d+\]/.test(c.p)).length,
    // empty cells never get an execution count
    notExecuted: prompts.filter((c) => !c.empty && !c.p.includes('*') && !/\[\d+\]/.test(c.p)).map((c) => c.i),
  };
}

async function failOnDialog(page) {
  const dialog = page.locator('.jp-Dialog');
  if (await dialog.count()) {
    const text = (await dialog.first().textContent())?.trim();
    throw new Error(`Unerwarteter JupyterLab-Dialog: ${text}`);
  }
}

// Clicks the first enabled entry among `items` in the menu bar's menu `top`.
async function menu(page, top, ...items) {
  const exact = (s) => new RegExp(`^\\s*${s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*$`);
  await page.locator('.lm-MenuBar-itemLabel', { hasText: exact(top) }).click();
  await page.locator('.lm-Menu:visible').first().waitFor({ timeout: 15000 });
  for (const item of items) {
    const entry = page.locator('.lm-Menu:visible .lm-Menu-item:not(.lm-mod-disabled)', {
      has: page.locator('.lm-Menu-itemLabel', { hasText: exact(item) }),
    });
    if (await entry.count()) {
      await entry.first().click();
      return;
    }
  }
  await page.keyboard.press('Escape');
  throw new Error(`Menü „${top}“: keiner der Einträge ${items.map((i) => `„${i}“`).join(', ')} ist anklickbar`);
}

async function openNotebook(page, nbPath) {
  await page.goto(`${URL_BASE}/lab/tree/${encodePath(nbPath)}?reset&token=${TOKEN}`, {
    waitUntil: 'domcontentloaded',
    timeout: 180000,
  });
  await page.locator(CELLS).first().waitFor({ timeout: 180000 });
  await sleep(1500);
  await failOnDialog(page);
  // More room for the notebook: collapse the left sidebar (file browser).
  const leftTab = page.locator('.jp-SideBar.jp-mod-left .lm-TabBar-tab.lm-mod-current');
  if (await leftTab.count()) await leftTab.first().click().catch(() => {});
}

async function waitRunDone(page, nbPath, label, stallMs) {
  const start = Date.now();
  let stable = 0;
  let lastLog = 0;
  let executed = -1;
  let since = start;
  for (;;) {
    await failOnDialog(page);
    const st = await page.evaluate(promptState);
    const ks = await kernelState(nbPath);
    if (ks === 'dead') throw new Error(`${label}: der Rust-Kernel ist abgestürzt (Zustand „dead“)`);
    if (st.running === 0 && ks === 'idle') {
      if (++stable >= 3) return st;
    } else stable = 0;
    if (st.executed !== executed) {
      executed = st.executed;
      since = Date.now();
    } else if (st.running > 0 && Date.now() - since > stallMs) {
      throw new KernelStall(
        `${label}: der Rust-Kernel hat seit ${Math.round((Date.now() - since) / 1000)} s keine Zelle beendet ` +
          `(${st.executed}/${st.code} Codezellen ausgeführt, ${st.running} warten, Kernel ${ks})`,
      );
    }
    if (Date.now() - lastLog > 30000) {
      log(`${label}: ${st.executed}/${st.code} Codezellen ausgeführt, ${st.running} laufen/warten, Kernel ${ks}`);
      lastLog = Date.now();
    }
    if (Date.now() - start > RUN_TIMEOUT_MS) {
      throw new Error(
        `${label}: nach ${RUN_TIMEOUT_MS / 1000} s noch nicht fertig (${st.executed}/${st.code} ausgeführt, ` +
          `${st.running} laufen, Kernel ${ks})`,
      );
    }
    await sleep(2000);
  }
}

async function startRun(page, label, before) {
  // The run has started once a prompt shows [*] or a new execution count.
  await waitFor(`${label}: Ausführung beginnt`, 60000, async () => {
    const st = await page.evaluate(promptState);
    return st.running > 0 || st.executed !== before.executed;
  }, 200);
}

async function runAll(page, nbPath, label, stallMs) {
  const restarts = [];
  let before = await page.evaluate(promptState);
  await menu(page, 'Run', 'Run All Cells');
  await startRun(page, label, before);
  let st = await waitRunDone(page, nbPath, label, stallMs);
  // After a cell ends in an error (in the exercise: code using a variable
  // whose cell stopped at a blank) JupyterLab clears the queued prompts.
  // evcxr ignores stop_on_error and runs them anyway; a kernel that aborts
  // them leaves cells without a count. A student goes on below; so do we.
  while (st.notExecuted.length > 0) {
    const next = st.notExecuted[0];
    if (restarts.includes(next) || restarts.length > st.code) {
      throw new Error(`${label}: Zelle ${next} lässt sich nicht ausführen`);
    }
    restarts.push(next);
    log(`${label}: Ausführung hielt an, weiter ab Zelle ${next}`);
    await page.locator(CELLS).nth(next)
      .locator('.jp-InputArea-prompt').click();
    before = await page.evaluate(promptState);
    await menu(page, 'Run', 'Run Selected Cell and All Below', 'Run Selected Cell and Do not Advance');
    await startRun(page, label, before);
    st = await waitRunDone(page, nbPath, label, stallMs);
  }
  return restarts;
}

async function save(page, nbPath, label) {
  const before = await lastModified(nbPath);
  const saved = async () => {
    const dirty = await page.locator('.lm-DockPanel-tabBar .lm-TabBar-tab.lm-mod-current.jp-mod-dirty').count();
    return dirty === 0 && (await lastModified(nbPath)) !== before;
  };
  await page.locator(CELLS).first()
    .locator('.jp-InputArea-prompt, .jp-InputPrompt').first().click().catch(() => {});
  await page.keyboard.press('Escape');
  await page.keyboard.press('Control+s');
  try {
    await waitFor(`${label}: Speichern mit Strg+S`, 60000, saved, 500);
  } catch {
    log(`${label}: Strg+S hat nicht gespeichert, versuche das Menü File → Save Notebook`);
    await menu(page, 'File', 'Save Notebook', 'Save');
    await waitFor(`${label}: Speichern über das Menü`, 60000, saved, 500);
  }
}

async function screenshotAt(page, cellIndex, file) {
  await page.evaluate((i) => {
    const panel = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden)');
    if (i == null) panel?.querySelector('.jp-WindowedPanel-outer')?.scrollTo(0, 0);
    else panel?.querySelectorAll('.jp-Notebook .jp-Cell')[i]?.scrollIntoView({ block: 'start' });
  }, cellIndex);
  await sleep(800);
  await page.screenshot({ path: file });
  return path.relative(process.cwd(), file);
}

// The whole notebook in one picture: the window is made as tall as the
// notebook (up to Chromium's limit for one screenshot).
async function screenshotWhole(page, file) {
  const viewport = page.viewportSize();
  const height = await page.evaluate(() => {
    const outer = document.querySelector('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-WindowedPanel-outer');
    return outer ? outer.scrollHeight - outer.clientHeight + window.innerHeight : window.innerHeight;
  });
  await page.setViewportSize({ width: viewport.width, height: Math.min(Math.max(height, viewport.height), 16000) });
  try {
    return await screenshotAt(page, null, file);
  } finally {
    await page.setViewportSize(viewport);
  }
}

// Saves, takes the screenshots, closes the tab, ends the kernel and opens the
// saved file again: the pictures must come from the saved outputs.
async function saveAndReopen(context, page, result, { name, nbPath, label, consoleErrors }) {
  await save(page, nbPath, label);
  log(`${label}: gespeichert`);
  result.screenshots.push(await screenshotAt(page, null, path.join(OUT, `${name}.png`)));
  const firstFigure = result.cells.find((c) => c.decoded_png > 0);
  if (firstFigure) {
    result.screenshots.push(await screenshotAt(page, firstFigure.index, path.join(OUT, `${name}_bild.png`)));
  }
  const firstCheck = result.cells.find((c) => c.text.includes('Prüfung'));
  if (firstCheck) {
    // the cell above the check: the exercise it judges
    const at = Math.max(firstCheck.index - 1, 0);
    result.screenshots.push(await screenshotAt(page, at, path.join(OUT, `${name}_pruefung.png`)));
  }
  result.screenshots.push(await screenshotWhole(page, path.join(OUT, `${name}_ganz.png`)));

  // Close the tab, end the kernel, open the saved file again: the pictures
  // must come from the saved outputs, nothing runs.
  await menu(page, 'File', 'Close Tab');
  await waitFor(`${label}: Tab geschlossen`, 30000, async () =>
    (await page.locator('.jp-NotebookPanel:not(.lm-mod-hidden)').count()) === 0);
  await shutDownSession(nbPath);
  await page.close();

  const again = await context.newPage();
  again.on('pageerror', (e) => consoleErrors.push(String(e)));
  log(`${label}: öffne die gespeicherte Datei erneut`);
  await openNotebook(again, nbPath);
  await waitFor(`${label}: gespeicherte Ausgaben sichtbar`, 60000, async () =>
    (await again.locator('.jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output').count()) > 0);
  await sleep(2000);
  result.reopened = { cells: await again.evaluate(collectCells), prompts: await again.evaluate(promptState) };
  const lastFigure = [...result.reopened.cells].reverse().find((c) => c.decoded_png > 0);
  result.screenshots.push(
    await screenshotAt(again, lastFigure?.index ?? null, path.join(OUT, `${name}_wieder_geoeffnet.png`)),
  );
  await again.close();
  await shutDownSession(nbPath);
}

async function testNotebook(context, { name, path: nbPath }) {
  const label = `${name} (${nbPath})`;
  const result = { name, notebook: nbPath, screenshots: [] };
  const page = await context.newPage();
  const consoleErrors = [];
  page.on('pageerror', (e) => consoleErrors.push(String(e)));
  try {
    log(`${label}: öffne das Notebook`);
    await openNotebook(page, nbPath);
    await waitFor(`${label}: Rust-Kernel bereit (idle)`, 300000, async () => (await kernelState(nbPath)) === 'idle');
    log(`${label}: Kernel bereit, Run → Run All Cells`);
    const runStart = Date.now();
    const stallMs = name === SIMULATE_STALL ? SIMULATED_STALL_MS : STALL_MS;
    if (name === SIMULATE_STALL) await stopKernel(nbPath, label);
    result.kernel_restarts = [];
    try {
      result.restarts = await runAll(page, nbPath, label, stallMs);
    } catch (e) {
      if (!(e instanceof KernelStall)) throw e;
      log(`${e.message}; Neustart des Kernels, dann noch einmal Run → Run All Cells`);
      result.kernel_restarts.push(e.message);
      await restartKernel(nbPath, label);
      result.restarts = await runAll(page, nbPath, label, STALL_MS);
    }
    result.run_seconds = Math.round((Date.now() - runStart) / 1000);
    log(`${label}: alle Zellen ausgeführt (${result.run_seconds} s)`);
    result.cells = await page.evaluate(collectCells);

    if (name === SIMULATE_STALL) {
      // Only the restart is under test here: no saving, no reopening.
      await page.close();
      await shutDownSession(nbPath);
    } else {
      await saveAndReopen(context, page, result, { name, nbPath, label, consoleErrors });
    }
  } catch (e) {
    result.error = String(e?.stack ?? e);
    log(`${label}: FEHLER ${e?.message ?? e}`);
    for (const [k, p] of context.pages().entries()) {
      const file = path.join(OUT, `${name}_fehler${k ? `_${k}` : ''}.png`);
      await p.screenshot({ path: file }).catch(() => {});
      result.screenshots.push(path.relative(process.cwd(), file));
      result.cells ??= await p.evaluate(collectCells).catch(() => null);
      await p.close().catch(() => {});
    }
    await shutDownSession(nbPath).catch(() => {});
  }
  result.page_errors = consoleErrors;
  fs.writeFileSync(path.join(OUT, `${name}.json`), JSON.stringify(result, null, 1));
  return result;
}

fs.mkdirSync(OUT, { recursive: true });
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  timeout: 120000,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
});
let failed = false;
try {
  // playwright gives the launched browser a fresh, empty profile.
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  context.setDefaultTimeout(60000);
  for (const nb of notebooks) {
    const r = await testNotebook(context, nb);
    failed ||= Boolean(r.error);
    log(`${nb.name}: ${r.error ? 'abgebrochen' : 'fertig'} → ${path.join(OUT, `${nb.name}.json`)}`);
  }
} finally {
  await browser.close();
}
process.exit(failed ? 1 : 0);
