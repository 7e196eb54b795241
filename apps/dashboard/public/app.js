// @ts-check
// The Mission Tracker dashboard: signs in once (POST /v1/session; the key is sent, then
// forgotten: only the HttpOnly session cookie remains), reads the /v1 read models with that
// cookie, and follows GET /v1/missions/{id}/live (EventSource reconnects by itself).
import { csvLink, read, SessionEnded } from './api.js';
import { renderGroupedBars, fitOnResize } from './charts.js';
import { figureButton, openContributions } from './contributions-panel.js';
import { eventLabel, formatAmount, formatCount, formatDay, formatInstant, formatMoney, formatOccurred } from './format.js';
import { sourceLink } from './source-link.js';
import { onViewChanged, showInUrl, viewFromUrl } from './view.js';

// The API's bodies, typed from the types generated from /docs-json (checked by
// `npm run typecheck:dashboard`; the browser never loads them).
/** @typedef {import('../../../libs/api-client/src/schema').components['schemas']} Schemas */
/** @typedef {Schemas['Session']} Session */
/** @typedef {Schemas['Personnel']} Personnel */
/** @typedef {Schemas['Funding']} Funding */
const $ = (id) => document.getElementById(id);
const TIMELINE_PAGE = 10;
const PERSONNEL_SERIES = [
  ['pledged', 'Pledged', '#3d5f9e'],
  ['departed', 'Departed', '#a0670a'],
  ['inTransit', 'In transit', '#6e4f9c'],
  ['deployed', 'Deployed', '#1f7a4d'],
  ['withdrawn', 'Withdrawn', '#a4262c'],
];
const FUNDING_SERIES = [
  ['pledged', 'Pledged', '#3d5f9e'],
  ['committed', 'Committed', '#a0670a'],
  ['disbursed', 'Disbursed', '#1f7a4d'],
];

const state = {
  principal: null,
  missionId: null,
  asOf: '',
  live: null,
  /** Timeline paging: `before` cursors of the pages above the one shown (empty: newest page). */
  timelineStack: [],
  timelineBefore: null,
  timelineNext: null,
  charts: [],
  projectionsTimer: 0,
  /** The live stream is open. */
  connected: false,
  lastProjections: new Map(),
};

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined) node.textContent = text;
  if (className) node.className = className;
  return node;
}

function row(cells) {
  const tr = document.createElement('tr');
  for (const cell of cells) {
    const td = typeof cell === 'object' && cell !== null && 'node' in cell ? cell.node : el('td', cell.text ?? cell, cell.num ? 'num' : undefined);
    tr.append(td);
  }
  return tr;
}
const num = (n) => ({ text: formatCount(n), num: true });
const money = (amount) => ({ text: formatAmount(amount), num: true });

/**
 * A table cell holding a figure that opens the events behind it.
 * @param {string} text @param {string} label @param {Omit<import('./contributions-panel.js').FigureRef, 'missionId' | 'asOf'>} ref
 */
function figureCell(text, label, ref) {
  const td = el('td', undefined, 'num');
  td.append(figureButton(text, label, () => openFigure(ref, label)));
  return { node: td };
}
/** @param {Omit<import('./contributions-panel.js').FigureRef, 'missionId' | 'asOf'>} ref @param {string} label */
function openFigure(ref, label) {
  void openContributions({ ...ref, missionId: state.missionId, asOf: state.asOf || undefined }, label, (error) => showError($('mission-status'), error));
}
/** Replaces a table's CSV link (beside its heading or caption). */
function setCsv(id, link) {
  $(id).replaceChildren(link);
}

function showError(target, error) {
  if (error instanceof SessionEnded) return signedOut('Your session has ended (signed out elsewhere, expired, or the key was revoked). Sign in again.');
  target.textContent = `Could not load: ${error.message}`;
  target.classList.add('error');
}
function setStatus(target, text) {
  target.textContent = text;
  target.classList.remove('error');
}

// ---- session -------------------------------------------------------------------------

async function start() {
  try {
    // Never signed in here (or signed out): nothing to ask the server about.
    if (!document.cookie.split('; ').includes('mt_signed_in=1')) return signedOut('');
    const response = await fetch('/v1/session', { credentials: 'same-origin' });
    if (response.ok) return signedIn(await response.json());
    signedOut('');
  } catch {
    signedOut('The server cannot be reached. Check the connection and reload.');
  } finally {
    $('boot').hidden = true;
  }
}

$('sign-in-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const input = /** @type {HTMLInputElement} */ ($('key'));
  const message = $('sign-in-message');
  message.textContent = '';
  const button = /** @type {HTMLButtonElement} */ (event.submitter ?? $('sign-in-form').querySelector('button'));
  button.disabled = true;
  try {
    const response = await fetch('/v1/session', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ key: input.value.trim() }),
      credentials: 'same-origin',
    });
    input.value = ''; // the key is not kept anywhere on the page
    if (response.status === 401) {
      message.textContent = 'That API key is unknown or has been revoked.';
    } else if (!response.ok) {
      const body = await response.json().catch(() => null);
      message.textContent = body?.detail ?? `Sign-in failed (the server answered ${response.status}).`;
    } else {
      await signedIn(await read('/v1/session'));
    }
  } catch (error) {
    message.textContent = error instanceof SessionEnded ? 'The session could not be opened; try again.' : 'The server cannot be reached.';
  } finally {
    button.disabled = false;
  }
});

$('sign-out').addEventListener('click', async () => {
  await fetch('/v1/session', { method: 'DELETE', credentials: 'same-origin' }).catch(() => undefined);
  signedOut('Signed out.');
});

function signedOut(message) {
  state.principal = null;
  stopLive();
  clearInterval(state.projectionsTimer);
  $('app').hidden = true;
  $('who').hidden = true;
  $('sign-in').hidden = false;
  $('sign-in-message').textContent = message;
  $('key').focus();
}

/** @param {Session} principal */
async function signedIn(principal) {
  state.principal = principal;
  $('sign-in').hidden = true;
  $('sign-in-message').textContent = '';
  $('who').hidden = false;
  $('who-name').textContent = `${principal.name} (${principal.role})`;
  $('app').hidden = false;
  $('projections').hidden = principal.role !== 'admin';
  if (principal.role === 'admin') {
    void loadProjections();
    state.projectionsTimer = setInterval(loadProjections, 5000);
  }
  // The view the URL names (a shared or bookmarked link): its day, then its mission.
  state.asOf = viewFromUrl().asOf;
  /** @type {HTMLInputElement} */ ($('as-of')).value = state.asOf;
  $('as-of-note').textContent = state.asOf ? `Everything on this page as of ${formatDay(state.asOf)} (end of that day, UTC): live updates are paused. Choose “Now” to follow them again.` : '';
  await loadMissions();
}

// ---- missions list -------------------------------------------------------------------

async function loadMissions() {
  const status = $('missions-status');
  if (!$('missions-table').querySelector('tbody').children.length) setStatus(status, 'Loading missions…');
  const asOf = state.asOf;
  try {
    const { missions } = await read('/v1/missions');
    // As of a day, each mission's totals of that day (the list itself has no asOf).
    const totals = asOf
      ? await Promise.all(missions.map((m) => read('/v1/missions/{missionId}/personnel', { path: { missionId: m.missionId }, query: { asOf } })))
      : missions.map((m) => m.personnel);
    if (asOf !== state.asOf) return; // another view was chosen meanwhile
    state.missionNames = new Map(missions.map((m) => [m.missionId, m.name]));
    $('missions-title').textContent = asOf ? `Missions as of ${formatDay(asOf)}` : 'Missions';
    const tbody = $('missions-table').querySelector('tbody');
    tbody.replaceChildren();
    $('missions-table').hidden = missions.length === 0;
    setStatus(status, missions.length === 0 ? 'No missions yet. Post a MissionEstablished event (or run npm run seed).' : '');
    setCsv('missions-csv', csvLink('/v1/missions', {}));
    missions.forEach((mission, i) => {
      const personnel = totals[i];
      const open = el('button', mission.name, 'link');
      open.type = 'button';
      open.addEventListener('click', () => void selectMission(mission.missionId, { focus: true }));
      const name = el('td');
      name.append(open);
      const progress = el('td');
      if (personnel.required > 0) {
        const bar = el('progress', undefined, 'small');
        bar.max = personnel.required;
        bar.value = Math.max(0, Math.min(personnel.deployed, personnel.required));
        bar.setAttribute('aria-label', `${mission.name}: ${formatCount(personnel.deployed)} of ${formatCount(personnel.required)} deployed`);
        progress.append(bar);
      } else {
        progress.append(el('span', 'no requirement set', 'note'));
      }
      const tr = row([{ node: name }, mission.hostCountry, num(personnel.deployed), num(personnel.required), { node: progress }]);
      tr.dataset.mission = mission.missionId;
      if (mission.missionId === state.missionId) tr.className = 'selected';
      tbody.append(tr);
    });
    if (state.missionId === null) {
      const wanted = viewFromUrl().missionId;
      if (wanted && !missions.some((m) => m.missionId === wanted)) {
        // Never another mission in its place: say so, and let the person choose.
        status.textContent = `There is no mission “${wanted}”. Choose one below.`;
        status.classList.add('error');
        $('mission').hidden = true;
        return;
      }
      const first = wanted ?? missions[0]?.missionId;
      if (first) await selectMission(first, { replace: true });
    }
  } catch (error) {
    showError(status, error);
  }
}

// ---- one mission ---------------------------------------------------------------------

/**
 * Shows a mission (as of the chosen day, if any).
 * @param {string} missionId
 * @param {{ focus?: boolean, replace?: boolean, fromUrl?: boolean }} [options] focus: chosen by the person (focus moves to it)
 */
async function selectMission(missionId, options = {}) {
  state.missionId = missionId;
  state.timelineStack = [];
  state.timelineBefore = null;
  if (!options.fromUrl) showInUrl({ missionId, asOf: state.asOf }, { replace: options.replace });
  $('mission').hidden = false;
  for (const tr of $('missions-table').querySelectorAll('tbody tr')) tr.classList.toggle('selected', /** @type {HTMLElement} */ (tr).dataset.mission === missionId);
  $('mission-title').textContent = missionName(missionId);
  if (options.focus) $('mission-title').focus();
  setStatus($('mission-status'), 'Loading the mission…');
  await Promise.all([loadTotals(), loadTimeline()]);
  startLive();
}

function missionName(missionId) {
  return state.missionNames?.get(missionId) ?? missionId;
}

async function loadTotals() {
  const asOf = state.asOf;
  const missionId = state.missionId;
  const params = { path: { missionId }, query: { asOf } };
  try {
    const [personnel, funding] = await Promise.all([read('/v1/missions/{missionId}/personnel', params), read('/v1/missions/{missionId}/funding', params)]);
    if (asOf !== state.asOf || missionId !== state.missionId) return; // another view was chosen meanwhile
    $('mission-title').textContent = missionName(missionId);
    renderPersonnel(personnel);
    renderFunding(funding);
    $('figures').hidden = false;
    setStatus($('mission-status'), '');
  } catch (error) {
    // Never figures under a heading that no longer describes them.
    $('figures').hidden = true;
    showError($('mission-status'), error);
  }
}

/** @param {Personnel} p the body of GET /v1/missions/{id}/personnel (or its live event) */
function renderPersonnel(p) {
  // A view at a date can show a negative count when reports were dated inconsistently (a
  // withdrawal dated before the arrival it withdraws): the API returns it as computed, and the
  // page says so instead of drawing it silently.
  const negative = [['total', p], ...p.byCountry.map((c) => [c.country, c])].flatMap(([who, counts]) =>
    PERSONNEL_SERIES.filter(([key]) => counts[key] < 0).map(([key, label]) => `${who === 'total' ? 'mission' : who} ${label.toLowerCase()} ${formatCount(counts[key])}`),
  );
  const warning = $('inconsistent-note');
  warning.hidden = negative.length === 0;
  warning.textContent = negative.length === 0 ? '' : `Inconsistent dating: at this date ${negative.join(', ')}. Some report is dated before the event it depends on (a withdrawal before its arrival, say); the figures are shown as computed.`;
  const share = p.required > 0 ? Math.round((p.deployed / p.required) * 1000) / 10 : 0;
  $('deployed-text').textContent =
    p.required > 0 ? `${formatCount(p.deployed)} of ${formatCount(p.required)} required deployed (${share}%)` : `${formatCount(p.deployed)} deployed (no requirement set yet)`;
  const bar = /** @type {HTMLProgressElement} */ ($('deployed-bar'));
  // No requirement, no bar: a full green bar would say "done".
  bar.hidden = p.required <= 0;
  bar.max = Math.max(1, p.required);
  bar.value = Math.max(0, Math.min(p.deployed, bar.max));
  const stats = $('stats');
  stats.replaceChildren();
  for (const [key, label] of [['required', 'Required'], ...PERSONNEL_SERIES]) {
    const item = el('div');
    const value = el('dd');
    value.append(figureButton(formatCount(p[key]), label, () => openFigure({ figure: /** @type {any} */ (`personnel.${key}`) }, label)));
    item.append(el('dt', label), value);
    item.dataset.stat = key;
    stats.append(item);
  }
  const tbody = $('country-table').querySelector('tbody');
  tbody.replaceChildren();
  if (p.byCountry.length === 0) tbody.append(row(['No personnel pledged or sent yet.', '', '', '', '', '']));
  for (const c of p.byCountry) {
    const figure = (key, label) => figureCell(formatCount(c[key]), `${c.country}: ${label}`, { figure: /** @type {any} */ (`personnel.${key}`), country: c.country });
    tbody.append(row([c.country, figure('pledged', 'pledged'), figure('departed', 'departed'), figure('inTransit', 'in transit'), figure('deployed', 'deployed'), figure('withdrawn', 'withdrawn')]));
  }
  setCsv('country-csv', csvLink('/v1/missions/{missionId}/personnel', { path: { missionId: state.missionId }, query: { asOf: state.asOf || undefined } }));

  const labels = p.byCountry.map((c) => c.country);
  const summary =
    labels.length === 0
      ? 'Personnel by country: none yet.'
      : 'Personnel by country. ' + p.byCountry.map((c) => `${c.country}: ${PERSONNEL_SERIES.map(([k, l]) => `${l.toLowerCase()} ${formatCount(c[k])}`).join(', ')}`).join('. ') + '.';
  const container = $('country-chart');
  setChart('country', container, renderGroupedBars(container, labels, PERSONNEL_SERIES.map(([key, label, color]) => ({ label, color, values: p.byCountry.map((c) => c[key]) })), summary));
}

/** @param {Funding} f the body of GET /v1/missions/{id}/funding (or its live event) */
function renderFunding(f) {
  const currencyBody = $('currency-table').querySelector('tbody');
  currencyBody.replaceChildren();
  if (f.byCurrency.length === 0) currencyBody.append(row(['No funding yet.', '', '', '']));
  const fundingFigure = (amount, label, ref) => figureCell(formatAmount(amount), label, ref);
  for (const c of f.byCurrency) {
    const figure = (key) => fundingFigure(c[key], `${c.currency}: ${key}`, { figure: /** @type {any} */ (`funding.${key}`), currency: c.currency });
    currencyBody.append(row([c.currency, figure('pledged'), figure('committed'), figure('disbursed')]));
  }
  const donorBody = $('donor-table').querySelector('tbody');
  donorBody.replaceChildren();
  if (f.byDonor.length === 0) donorBody.append(row(['No funding yet.', '', '', '', '']));
  for (const d of f.byDonor) {
    const figure = (key) => fundingFigure(d[key], `${d.donor} (${d.currency}): ${key}`, { figure: /** @type {any} */ (`funding.${key}`), currency: d.currency, donor: d.donor });
    donorBody.append(row([d.donor, d.currency, figure('pledged'), figure('committed'), figure('disbursed')]));
  }
  setCsv('funding-csv', csvLink('/v1/missions/{missionId}/funding', { path: { missionId: state.missionId }, query: { asOf: state.asOf || undefined } }));

  // One chart per currency: sums in different currencies do not share an axis.
  const charts = $('funding-charts');
  charts.replaceChildren();
  state.charts = state.charts.filter((c) => !c.key.startsWith('funding:'));
  for (const { currency } of f.byCurrency) {
    const donors = f.byDonor.filter((d) => d.currency === currency);
    const container = el('div', undefined, 'chart');
    container.setAttribute('role', 'img');
    container.dataset.currency = currency;
    charts.append(el('h4', `Funding in ${currency}, by donor`), container);
    const summary = `Funding in ${currency} by donor. ` + donors.map((d) => `${d.donor}: pledged ${formatMoney(d.pledged, currency)}, committed ${formatMoney(d.committed, currency)}, disbursed ${formatMoney(d.disbursed, currency)}`).join('. ') + '.';
    // Bar heights only: the figures people read are the exact strings in the table and summary.
    const series = FUNDING_SERIES.map(([key, label, color]) => ({ label, color, values: donors.map((d) => Number(d[key])) }));
    setChart(`funding:${currency}`, container, renderGroupedBars(container, donors.map((d) => d.donor), series, summary));
  }
}

function setChart(key, container, chart) {
  state.charts = state.charts.filter((c) => {
    if (c.key !== key) return true;
    if (c.chart !== chart) c.chart?.destroy();
    return false;
  });
  state.charts.push({ key, container, chart });
}
fitOnResize(() => state.charts);

// ---- timeline ------------------------------------------------------------------------

async function loadTimeline() {
  const status = $('timeline-status');
  try {
    // One more than a page: tells whether there is an older page.
    const { items } = await read('/v1/missions/{missionId}/timeline', {
      path: { missionId: state.missionId },
      // As of a day, the timeline ends with that day.
      query: { limit: TIMELINE_PAGE + 1, before: state.timelineBefore ?? undefined, to: state.asOf || undefined },
    });
    const page = items.slice(0, TIMELINE_PAGE);
    state.timelineNext = items.length > TIMELINE_PAGE ? page[page.length - 1].position : null;
    const list = $('timeline');
    list.replaceChildren();
    for (const item of page) list.append(timelineEntry(item));
    setCsv('timeline-csv', csvLink('/v1/missions/{missionId}/timeline', { path: { missionId: state.missionId }, query: { limit: 1000, to: state.asOf || undefined } }, 'Download the latest 1,000 as CSV'));
    setStatus(status, page.length === 0 ? 'No events yet.' : '');
    /** @type {HTMLButtonElement} */ ($('timeline-older')).disabled = state.timelineNext === null;
    /** @type {HTMLButtonElement} */ ($('timeline-newer')).disabled = state.timelineBefore === null;
  } catch (error) {
    showError(status, error);
  }
}

/**
 * One timeline item: the date, the summary as first reported, whether it was corrected or
 * retracted (a correction is an item of its own saying what changed and why), and its source.
 * @param {Schemas['TimelineItem']} item
 */
function timelineEntry(item) {
  const li = el('li');
  const correction = item.type === 'EventCorrected' || item.type === 'EventRetracted';
  if (item.status !== 'current') li.classList.add(item.status);
  if (correction) li.classList.add('correction');
  const time = el('time', formatOccurred(item.occurredAt));
  time.dateTime = item.occurredAt;
  const text = el('div');
  text.append(el('span', item.summary, 'summary'));
  if (item.status === 'corrected') text.append(' ', el('span', 'Corrected later', 'badge corrected'));
  if (item.status === 'retracted') text.append(' ', el('span', 'Retracted', 'badge retracted'));
  if (correction) text.append(' ', el('span', eventLabel(item.type), 'badge correction'));
  const meta = el('span', `${eventLabel(item.type)} · #${item.version}`, 'type');
  const link = sourceLink(item.source);
  if (link) meta.append(' · ', link);
  text.append(meta);
  li.append(time, text);
  return li;
}

$('timeline-older').addEventListener('click', () => {
  if (state.timelineNext === null) return;
  state.timelineStack.push(state.timelineBefore);
  state.timelineBefore = state.timelineNext;
  void loadTimeline();
});
$('timeline-newer').addEventListener('click', () => {
  if (state.timelineBefore === null) return;
  state.timelineBefore = state.timelineStack.pop() ?? null;
  void loadTimeline();
});

// ---- as of ---------------------------------------------------------------------------

$('as-of-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const value = /** @type {HTMLInputElement} */ ($('as-of')).value;
  chooseAsOf(/^\d{4}-\d{2}-\d{2}$/.test(value) ? value : '');
});
$('as-of-clear').addEventListener('click', () => chooseAsOf(''));

/** @param {string} asOf a day, or '' for now */
function chooseAsOf(asOf) {
  if (asOf === state.asOf) return;
  state.asOf = asOf;
  showInUrl({ missionId: state.missionId, asOf });
  showAsOf();
}

/** The whole page follows the day: the missions, the totals, the charts and the timeline. */
function showAsOf() {
  /** @type {HTMLInputElement} */ ($('as-of')).value = state.asOf;
  $('as-of-note').textContent = state.asOf
    ? `Everything on this page as of ${formatDay(state.asOf)} (end of that day, UTC): live updates are paused. Choose “Now” to follow them again.`
    : '';
  state.timelineStack = [];
  state.timelineBefore = null;
  showLiveStatus();
  void loadMissions();
  if (state.missionId) void Promise.all([loadTotals(), loadTimeline()]);
}

// Back and Forward (or an edited URL): show the view the URL names.
onViewChanged((view) => {
  if (!state.principal) return;
  const asOfChanged = view.asOf !== state.asOf;
  state.asOf = view.asOf;
  if (view.missionId && view.missionId !== state.missionId) {
    void selectMission(view.missionId, { fromUrl: true });
    if (asOfChanged) void loadMissions();
    /** @type {HTMLInputElement} */ ($('as-of')).value = state.asOf;
  } else if (asOfChanged) {
    showAsOf();
  }
});

// ---- live ----------------------------------------------------------------------------

function startLive() {
  stopLive();
  const status = $('live-status');
  const source = new EventSource(`/v1/missions/${encodeURIComponent(state.missionId)}/live`);
  state.live = source;
  state.connected = false;
  status.textContent = state.asOf ? `Paused: as of ${formatDay(state.asOf)}` : 'Connecting…';
  status.className = state.asOf ? 'live paused' : 'live';
  source.addEventListener('open', () => {
    state.connected = true;
    showLiveStatus();
  });
  source.addEventListener('personnel', (event) => {
    if (!state.asOf) renderPersonnel(JSON.parse(event.data));
    void refreshAfterChange();
  });
  source.addEventListener('funding', (event) => {
    if (!state.asOf) renderFunding(JSON.parse(event.data));
    void refreshAfterChange();
  });
  source.addEventListener('error', async () => {
    state.connected = false;
    status.className = 'live off';
    if (source.readyState === EventSource.CONNECTING) {
      status.textContent = 'Reconnecting…';
      return;
    }
    // Closed for good (the server refused it): the session may have ended.
    status.textContent = 'Live updates stopped';
    try {
      await read('/v1/session');
      setTimeout(() => state.live === source && startLive(), 5000);
    } catch (error) {
      if (error instanceof SessionEnded) showError($('mission-status'), error);
    }
  });
}

/** "Live" only when the page follows the log now; an as-of view says it is paused. */
function showLiveStatus() {
  const status = $('live-status');
  if (state.asOf) {
    status.textContent = `Paused: as of ${formatDay(state.asOf)}`;
    status.className = 'live paused';
  } else if (state.connected) {
    status.textContent = '● Live';
    status.className = 'live on';
  }
}

function stopLive() {
  state.live?.close();
  state.live = null;
}

/** A change arrived: the timeline's newest page and the missions list follow it (not in an as-of view). */
let refreshing = null;
function refreshAfterChange() {
  if (state.asOf) return Promise.resolve();
  refreshing ??= new Promise((resolve) => setTimeout(resolve, 100))
    .then(() => Promise.all([state.timelineBefore === null ? loadTimeline() : null, loadMissions()]))
    .finally(() => (refreshing = null));
  return refreshing;
}

// ---- projections (admin) -------------------------------------------------------------

async function loadProjections() {
  const status = $('projections-status');
  try {
    const { projections } = await read('/v1/projections');
    const now = Date.now();
    const tbody = $('projections-table').querySelector('tbody');
    tbody.replaceChildren();
    for (const p of projections) {
      const previous = state.lastProjections.get(p.name);
      const rate = previous ? Math.max(0, Number(p.position) - previous.position) / ((now - previous.at) / 1000) : null;
      state.lastProjections.set(p.name, { position: Number(p.position), at: now });
      tbody.append(
        row([
          p.name,
          { text: p.status, num: false },
          { text: `${formatCount(p.position)} / ${formatCount(p.headPosition)}`, num: true },
          num(p.lagEvents),
          { text: formatCount(Math.round(p.lagSeconds)), num: true },
          { text: rate === null ? '…' : formatCount(Math.round(rate * 10) / 10), num: true },
          p.lastError ?? '—',
          formatInstant(p.updatedAt),
        ]),
      );
    }
    setStatus(status, projections.length === 0 ? 'No projections.' : `Checked ${formatInstant(new Date(now).toISOString())}; refreshed every 5 s.`);
  } catch (error) {
    showError(status, error);
  }
}

void start();
