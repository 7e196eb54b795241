/// <reference lib="dom" />
// The dashboard in a real browser (Debian's Chromium through playwright-core): sign in with a
// viewer key, see the demo mission's totals, watch an event posted over the API change the
// numbers, a chart and the timeline without a reload; nothing is fetched from another origin,
// no console error; a phone-width page has no horizontal scroll. Screenshots go to test-artifacts/.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { DEMO_MISSION_ID, DEMO_MISSION_REQUEST } from '../scripts/demo-mission';
import { Harness, startHarness } from './support/projection-harness';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(__dirname, '..', 'test-artifacts');
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('dashboard in a browser', () => {
  let h: Harness;
  let browser: Browser;
  let page: Page;
  let viewerKey: string;
  const foreignRequests: string[] = [];
  const consoleErrors: string[] = [];

  const stat = (name: string) => page.locator(`#stats [data-stat="${name}"] dd`);

  beforeAll(async () => {
    h = await startHarness('dashboard', 1);
    expect((await h.api.request('POST', `/v1/missions/${DEMO_MISSION_ID}/events`, { body: DEMO_MISSION_REQUEST })).status).toBe(201);
    viewerKey = (await h.api.request('POST', '/v1/api-keys', { body: { name: 'briefing-laptop', role: 'viewer' } })).body.key;
    await h.quiesce();
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on('request', (request) => {
      if (!request.url().startsWith(`${h.api.baseUrl}/`) && !request.url().startsWith('data:')) foreignRequests.push(request.url());
    });
    page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
    page.on('pageerror', (error) => consoleErrors.push(String(error)));
    mkdirSync(ARTIFACTS, { recursive: true });
  });
  afterAll(async () => {
    await browser?.close();
    await h?.close();
  });

  it('says so clearly when the key is bad', async () => {
    await page.goto(`${h.api.baseUrl}/`);
    await page.getByLabel('API key').waitFor();
    expect(consoleErrors).toEqual([]); // a first visit asks the server nothing it would refuse
    await page.getByLabel('API key').fill('mt_not-a-real-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForFunction(() => document.getElementById('sign-in-message')!.textContent!.includes('unknown or has been revoked'));
    // Chromium logs every 4xx answer as a console error: this one (the bad key) is the page
    // working as meant. From here on, none is expected.
    consoleErrors.length = 0;
  });

  it("signs in with a viewer key and shows the demo mission's totals", async () => {
    await page.getByLabel('API key').fill(viewerKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('#who-name', { hasText: 'briefing-laptop (viewer)' }).waitFor();
    await page.locator('#mission-title', { hasText: 'Multinational Security Support mission to Haiti' }).waitFor();
    await page.locator('#live-status', { hasText: 'Live' }).waitFor();
    expect(await page.locator('#key').inputValue()).toBe(''); // the key is not kept in the page
    expect(await stat('required').textContent()).toBe('5,000');
    expect(await stat('pledged').textContent()).toBe('1,000');
    expect(await stat('departed').textContent()).toBe('400');
    expect(await stat('inTransit').textContent()).toBe('400');
    expect(await stat('deployed').textContent()).toBe('0');
    expect(await page.locator('#deployed-text').textContent()).toBe('0 of 5,000 required deployed (0%)');
    expect(await page.locator('#currency-table tbody tr').first().innerText()).toMatch(/USD\s+300,000,000\s+0\s+0/);
    expect(await page.locator('#timeline li').first().textContent()).toContain('Departure · #8');
    expect(await page.locator('#country-chart').getAttribute('aria-label')).toContain('KEN: pledged 1,000, departed 400, in transit 400, deployed 0');
    expect(await page.locator('#missions-table tbody tr').first().innerText()).toMatch(/Haiti\s+HTI\s+0\s+5,000/);
    // What the first load cost on the wire (page, scripts, styles, uPlot, the first reads).
    const bytes = await page.evaluate(() =>
      [...performance.getEntriesByType('navigation'), ...performance.getEntriesByType('resource')]
        .filter((entry) => !(entry as PerformanceResourceTiming).name.includes('/live'))
        .reduce((sum, entry) => sum + (entry as PerformanceResourceTiming).transferSize, 0),
    );
    console.log(`dashboard first load: ${bytes} bytes transferred`);
    // Nothing is stored in the page's storage.
    expect(await page.evaluate(() => localStorage.length + sessionStorage.length)).toBe(0);
    // The README's screenshots: the demo mission alone (every figure from its public sources).
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-demo.png') });
    await page.locator('#stats [data-stat="departed"] dd button.figure').click();
    const dialog = page.locator('dialog#contributions');
    await dialog.locator('tbody tr').first().waitFor();
    expect(await dialog.locator('tbody tr').first().innerText()).toMatch(/Departure · #8\s+\+400\s+400\s+As reported\s+Source: Diaspora Messenger \(AFP\)/);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-demo-drill-down.png') });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });

  it('updates the numbers, the chart and the timeline live when an event is posted', async () => {
    const chartBefore = await page.locator('#country-chart canvas').screenshot();
    const posted = await h.api.request('POST', `/v1/missions/${DEMO_MISSION_ID}/events`, {
      body: { events: [{ type: 'ContingentArrived', occurredAt: '2024-06-25T12:00:00Z', data: { country: 'KEN', personnel: 250 } }] },
    });
    expect(posted.status).toBe(201);
    await page.locator('#stats [data-stat="deployed"] dd', { hasText: /^250$/ }).waitFor({ timeout: 15_000 });
    expect(await stat('inTransit').textContent()).toBe('150');
    expect(await page.locator('#deployed-text').textContent()).toBe('250 of 5,000 required deployed (5%)');
    await page.waitForFunction(() => document.getElementById('country-chart')!.getAttribute('aria-label')!.includes('deployed 250'));
    expect(Buffer.compare(await page.locator('#country-chart canvas').screenshot(), chartBefore)).not.toBe(0);
    await page.locator('#timeline li').first().filter({ hasText: 'Arrival' }).waitFor({ timeout: 10_000 });
    await page.waitForFunction(() => /HTI\s+250\s+5,000/.test((document.querySelector('#missions-table tbody tr') as HTMLElement).innerText), undefined, { timeout: 10_000 });
  });

  it('opens a figure to the events behind it (keyboard too), shows sources and a retraction, and downloads CSV', async () => {
    // A sourced arrival (a made-up test source), then its retraction.
    const source = { url: 'https://example.org/made-up-test-source', publisher: 'Made-up test source' };
    const arrived = await h.api.request('POST', `/v1/missions/${DEMO_MISSION_ID}/events`, {
      body: { events: [{ type: 'ContingentArrived', occurredAt: '2024-07-16', data: { country: 'KEN', personnel: 100 }, metadata: { source } }] },
    });
    expect(arrived.status).toBe(201);
    const retracted = await h.api.request('POST', `/v1/missions/${DEMO_MISSION_ID}/events`, {
      body: { events: [{ type: 'EventRetracted', occurredAt: '2026-12-04', data: { eventId: arrived.body.events[0].id, reason: 'reported twice' } }] },
    });
    expect(retracted.status).toBe(201);
    await page.locator('#timeline li.retracted', { hasText: 'Kenya: 100 personnel arrived' }).waitFor({ timeout: 15_000 });
    const correctionItem = page.locator('#timeline li.correction').first();
    expect(await correctionItem.textContent()).toContain('Retraction of #10: Kenya: 100 personnel arrived (reported twice)');
    const link = page.locator('#timeline li.retracted a.source');
    expect(await link.getAttribute('href')).toBe(source.url);
    expect(await link.getAttribute('rel')).toBe('noopener noreferrer');
    expect(await link.getAttribute('target')).toBe('_blank');
    await page.locator('#stats [data-stat="deployed"] dd', { hasText: /^250$/ }).waitFor({ timeout: 15_000 });

    // The deployed figure, opened with the keyboard.
    const deployed = page.locator('#stats [data-stat="deployed"] dd button.figure');
    await deployed.focus();
    await page.keyboard.press('Enter');
    const dialog = page.locator('dialog#contributions');
    await dialog.locator('tbody tr').first().waitFor();
    expect(await dialog.locator('h2').textContent()).toBe('What “Deployed” rests on');
    const rows = await dialog.locator('tbody tr').allInnerTexts();
    expect(rows).toHaveLength(1); // the retracted arrival does not count
    expect(rows[0]).toMatch(/Arrival · #9\s+\+250\s+250\s+As reported/);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-drill-down.png') });

    // Its CSV, downloaded through the page's own link (the session cookie goes with it).
    const [download] = await Promise.all([page.waitForEvent('download'), dialog.getByRole('link', { name: 'Download these events as CSV' }).click()]);
    expect(download.suggestedFilename()).toBe(`${DEMO_MISSION_ID}-contributions-figure-personnel.deployed.csv`);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv.split('\r\n')[0]).toBe('eventId,position,version,type,occurredAt,delta,runningTotal,status,source.url,source.publisher,source.title,source.publishedAt');
    expect(csv.split('\r\n')[1]).toMatch(/,9,ContingentArrived,2024-06-25T12:00:00.000Z,250,250,current,,,,$/);

    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    expect(await page.evaluate(() => document.activeElement?.closest('[data-stat]')?.getAttribute('data-stat'))).toBe('deployed');
  });

  it('marks an as-of view whose reports were dated inconsistently instead of showing a negative count silently', async () => {
    // A withdrawal dated before the arrival it withdraws (the log accepts it: rules run in log order).
    const withdrawn = await h.api.request('POST', `/v1/missions/${DEMO_MISSION_ID}/events`, {
      body: { events: [{ type: 'PersonnelWithdrawn', occurredAt: '2024-06-01', data: { country: 'KEN', personnel: 100 } }] },
    });
    expect(withdrawn.status).toBe(201);
    await page.locator('#as-of').fill('2024-06-10');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    const note = page.locator('#inconsistent-note');
    await note.waitFor();
    expect(await note.textContent()).toContain('Inconsistent dating: at this date mission deployed -100, KEN deployed -100');
    await page.getByRole('button', { name: 'Now', exact: true }).click();
    await note.waitFor({ state: 'hidden' });
  });

  it('follows the chosen day on the whole page, keeps the view in the URL, and Back returns to the previous view', async () => {
    const base = page.url().split('#')[0];
    await page.locator('#as-of').fill('2024-06-24');
    await page.getByRole('button', { name: 'Show', exact: true }).click();
    await page.waitForFunction(() => location.hash === '#mission=mss-haiti&asOf=2024-06-24');
    await page.locator('#live-status', { hasText: 'Paused: as of 24 Jun 2024' }).waitFor();
    await page.locator('#missions-title', { hasText: 'Missions as of 24 Jun 2024' }).waitFor();
    // The list, the totals and the timeline are those of that day: the arrival of the 25th is
    // not there, the withdrawal dated 1 June (an earlier test) is.
    await page.waitForFunction(() => /HTI\s+-100\s+5,000/.test((document.querySelector('#missions-table tbody tr') as HTMLElement).innerText));
    await page.locator('#stats [data-stat="departed"] dd', { hasText: /^400$/ }).waitFor();
    const dates = await page.locator('#timeline li time').evaluateAll((times) => times.map((t) => t.getAttribute('datetime')!));
    expect(dates.length).toBeGreaterThan(0);
    for (const date of dates) expect(date <= '2024-06-24T23:59:59.999Z').toBe(true);

    // Shared as a link: a fresh page opens the same view.
    const context = await browser.newContext();
    await context.addCookies(await page.context().cookies()); // the same person, signed in
    const shared = await context.newPage();
    await shared.goto(`${base}#mission=mss-haiti&asOf=2024-06-24`);
    await shared.locator('#live-status', { hasText: 'Paused: as of 24 Jun 2024' }).waitFor();
    await shared.locator('#stats [data-stat="departed"] dd', { hasText: /^400$/ }).waitFor();
    // An unknown mission is said to be unknown, never replaced by another.
    await shared.goto(`${base}#mission=does-not-exist`);
    await shared.reload();
    await shared.locator('#missions-status', { hasText: 'There is no mission “does-not-exist”' }).waitFor();
    expect(await shared.locator('#mission').isHidden()).toBe(true);
    await context.close();

    // Back: today's view again, live; Forward: the day again.
    await page.goBack();
    await page.waitForFunction(() => location.hash === '#mission=mss-haiti');
    await page.locator('#live-status', { hasText: 'Live' }).waitFor();
    await page.locator('#stats [data-stat="deployed"] dd', { hasText: /^150$/ }).waitFor();
    await page.goForward();
    await page.locator('#live-status', { hasText: 'Paused' }).waitFor();
    await page.getByRole('button', { name: 'Now', exact: true }).click();
    await page.locator('#live-status', { hasText: 'Live' }).waitFor();
  });

  it('moves focus to the mission chosen with the keyboard, and passes axe-core on a laptop and a phone', async () => {
    await page.locator('#missions-table tbody button.link').first().focus();
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => document.activeElement?.id === 'mission-title');
    for (const viewport of [{ width: 1280, height: 800 }, { width: 390, height: 844 }]) {
      await page.setViewportSize(viewport);
      // Evaluated through the browser's debugging protocol: the page's CSP (script-src 'self') stays as it is.
      await page.evaluate(readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8'));
      const violations = await page.evaluate(async () => {
        const result = await (window as unknown as { axe: { run(): Promise<{ violations: { id: string; impact: string; nodes: unknown[] }[] }> } }).axe.run();
        return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id} (${v.nodes.length})`);
      });
      expect({ viewport: viewport.width, violations }).toEqual({ viewport: viewport.width, violations: [] });
    }
    await page.setViewportSize({ width: 1280, height: 800 });
  });

  it('fits a phone without horizontal scroll, and saves screenshots', async () => {
    const desktop = join(ARTIFACTS, 'dashboard-desktop.png');
    await page.screenshot({ path: desktop, fullPage: true });
    const firstScreen = join(ARTIFACTS, 'dashboard-first-screen.png'); // docs/dashboard.png comes from this
    await page.screenshot({ path: firstScreen });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.waitForTimeout(100); // the charts resize on the next frame
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const phone = join(ARTIFACTS, 'dashboard-phone.png');
    await page.screenshot({ path: phone, fullPage: true });
    // The drill-down on a phone: the dialog fits, its table scrolls inside it.
    await page.locator('#country-table tbody button.figure').nth(1).click();
    const dialog = page.locator('dialog#contributions');
    await dialog.locator('tbody tr').first().waitFor();
    expect(await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth)).toBeLessThanOrEqual(0);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-drill-down-phone.png') });
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
    console.log(`dashboard screenshots:\n  ${desktop}\n  ${firstScreen}\n  ${phone}`);
  });

  it('fetched nothing from another origin and logged no console error', () => {
    expect(foreignRequests).toEqual([]);
    expect(consoleErrors).toEqual([]);
  });

  it('signs out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.locator('#sign-in').waitFor();
    expect((await page.evaluate(() => fetch('/v1/missions').then((r) => r.status)))).toBe(401);
  });
});
