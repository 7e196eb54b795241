/// <reference lib="dom" />
// The queue board (/admin/queues) in a real browser (Debian's Chromium through playwright-core),
// as an admin signed in to the dashboard sees it: it renders its queues, asks no other host for
// anything (bull-board's page links Google Fonts, which our Content Security Policy refuses:
// a console error on every visit), and logs no console error.
import { Browser, chromium } from 'playwright-core';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { ADMIN_KEY, startTestApi, TestApi } from './support/test-api';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

describe('queue board in a browser', () => {
  let db: TestDatabase;
  let api: TestApi;
  let browser: Browser;

  beforeAll(async () => {
    db = await createTestDatabase('board_browser');
    api = await startTestApi(db.url);
    browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
  });
  afterAll(async () => {
    await browser?.close();
    await api?.close();
    await db?.drop();
  });

  it('opens for a signed-in admin with no console error and no request to another host', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await context.newPage();
    const foreignRequests: string[] = [];
    const consoleErrors: string[] = [];
    page.on('request', (request) => {
      if (!request.url().startsWith(`${api.baseUrl}/`) && !request.url().startsWith('data:')) foreignRequests.push(request.url());
    });
    page.on('console', (message) => message.type() === 'error' && consoleErrors.push(message.text()));
    page.on('pageerror', (error) => consoleErrors.push(String(error)));

    // Sign in as the dashboard does (the context's requests share the browser's cookies).
    const signIn = await context.request.post(`${api.baseUrl}/v1/session`, { data: { key: ADMIN_KEY } });
    expect(signIn.status()).toBe(204);

    const response = await page.goto(`${api.baseUrl}/admin/queues`, { waitUntil: 'networkidle' });
    expect(response?.status()).toBe(200);
    expect(await response!.text()).not.toMatch(/fonts\.(googleapis|gstatic)\.com/);
    // The board rendered its queues from its JSON API (the session cookie works there too).
    await page.getByText('{proj-0}').first().waitFor({ timeout: 30_000 });
    await page.waitForLoadState('networkidle');

    expect(foreignRequests).toEqual([]);
    expect(consoleErrors).toEqual([]);
    await context.close();
  }, 90_000);
});
