// @ts-check
// The drill-down: any figure on the page opens the events it rests on (GET
// /v1/missions/{id}/contributions): each event's date, what it changed, the figure after it,
// whether it was corrected, and where it was reported. A modal dialog: Escape or Close
// returns to the figure that opened it.
import { csvLink, read, SessionEnded } from './api.js';
import { eventLabel, formatAmount, formatCount, formatDelta, formatOccurred } from './format.js';
import { sourceLink } from './source-link.js';

/** @typedef {import('../../../libs/api-client/src/schema').components['schemas']['Contributions']} Contributions */
/** @typedef {{ missionId: string, figure: Contributions['figure'], country?: string, donor?: string, currency?: string, asOf?: string }} FigureRef */

/** @type {HTMLDialogElement | null} */
let dialog = null;

function panel() {
  if (dialog) return dialog;
  dialog = document.createElement('dialog');
  dialog.id = 'contributions';
  dialog.className = 'contributions';
  dialog.setAttribute('aria-labelledby', 'contributions-title');
  dialog.innerHTML = `
    <div class="dialog-head">
      <h2 id="contributions-title"></h2>
      <button type="button" class="secondary" data-close>Close</button>
    </div>
    <p class="note" id="contributions-note"></p>
    <p class="note" id="contributions-status" role="status"></p>
    <div class="scroll" tabindex="0" aria-label="Events behind the figure"><table id="contributions-table">
      <thead><tr><th scope="col">Date</th><th scope="col">Event</th><th scope="col" class="num">Change</th><th scope="col" class="num">Total after</th><th scope="col">Status</th><th scope="col">Source</th></tr></thead>
      <tbody></tbody>
    </table></div>
    <p id="contributions-csv"></p>`;
  dialog.querySelector('[data-close]')?.addEventListener('click', () => dialog?.close());
  document.body.append(dialog);
  return dialog;
}

/**
 * Opens the events behind a figure.
 * @param {FigureRef} ref
 * @param {string} label what the figure is, for the heading ("Kenya: deployed")
 * @param {(error: unknown) => void} onSessionEnded
 */
export async function openContributions(ref, label, onSessionEnded) {
  const box = panel();
  const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
  box.addEventListener('close', () => opener?.focus(), { once: true });
  /** @type {HTMLElement} */ (box.querySelector('#contributions-title')).textContent = `What “${label}” rests on`;
  const status = /** @type {HTMLElement} */ (box.querySelector('#contributions-status'));
  const note = /** @type {HTMLElement} */ (box.querySelector('#contributions-note'));
  const tbody = /** @type {HTMLElement} */ (box.querySelector('tbody'));
  tbody.replaceChildren();
  note.textContent = '';
  status.textContent = 'Loading the events…';
  status.classList.remove('error');
  if (!box.open) box.showModal();
  const params = { path: { missionId: ref.missionId }, query: { figure: ref.figure, country: ref.country, donor: ref.donor, currency: ref.currency, asOf: ref.asOf } };
  box.querySelector('#contributions-csv')?.replaceChildren(csvLink('/v1/missions/{missionId}/contributions', params, 'Download these events as CSV'));
  try {
    const answer = await read('/v1/missions/{missionId}/contributions', params);
    const isMoney = ref.figure.startsWith('funding.');
    const show = (value) => (isMoney ? `${formatAmount(value)} ${ref.currency}` : formatCount(value));
    note.textContent = `${answer.items.length} event${answer.items.length === 1 ? '' : 's'} changed it; the total is ${show(answer.total)}${ref.asOf ? ` as of ${ref.asOf}` : ''}. Corrected events count with their corrected figures; retracted ones do not count.`;
    status.textContent = answer.items.length === 0 ? 'No event has changed this figure yet.' : '';
    for (const item of answer.items) {
      const tr = document.createElement('tr');
      if (item.status === 'corrected') tr.className = 'corrected';
      const date = document.createElement('td');
      const time = document.createElement('time');
      time.dateTime = item.occurredAt;
      time.textContent = formatOccurred(item.occurredAt);
      date.append(time);
      const event = cell(`${eventLabel(item.type)} · #${item.version}`);
      const change = cell(formatDelta(item.delta, isMoney), 'num');
      const after = cell(show(item.runningTotal), 'num');
      const state = cell(item.status === 'corrected' ? 'Corrected' : 'As reported', item.status === 'corrected' ? 'badge corrected' : undefined);
      const source = document.createElement('td');
      const link = sourceLink(item.source);
      source.append(link ?? document.createTextNode('—'));
      tr.append(date, event, change, after, state, source);
      tbody.append(tr);
    }
  } catch (error) {
    if (error instanceof SessionEnded) {
      box.close();
      return onSessionEnded(error);
    }
    status.textContent = `Could not load: ${error instanceof Error ? error.message : error}`;
    status.classList.add('error');
  }
}

/** @param {string} text @param {string} [className] */
function cell(text, className) {
  const td = document.createElement('td');
  if (className?.startsWith('badge')) {
    const badge = document.createElement('span');
    badge.className = className;
    badge.textContent = text;
    td.append(badge);
  } else {
    td.textContent = text;
    if (className) td.className = className;
  }
  return td;
}

/**
 * A figure people can open: a button showing the value, labelled for screen readers.
 * @param {string} text the value as shown
 * @param {string} label what it is ("Kenya: deployed")
 * @param {() => void} open
 */
export function figureButton(text, label, open) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'figure';
  button.textContent = text;
  button.title = `${label}: show the events behind it`;
  button.setAttribute('aria-label', `${label}: ${text}. Show the events behind it`);
  button.addEventListener('click', open);
  return button;
}
