// @ts-check
// The view the page shows — which mission, as of which day — lives in the URL
// (`#mission=mss-haiti&asOf=2024-07-01`), so a view can be shared and bookmarked, and the
// browser's Back returns to the previous one.

/** @typedef {{ missionId: string | null, asOf: string }} View */

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** @returns {View} the view the URL names (an unusable asOf is dropped) */
export function viewFromUrl() {
  const params = new URLSearchParams(location.hash.slice(1));
  const asOf = params.get('asOf') ?? '';
  return { missionId: params.get('mission') || null, asOf: DAY.test(asOf) ? asOf : '' };
}

/** @param {View} view */
function hashOf(view) {
  const params = new URLSearchParams();
  if (view.missionId) params.set('mission', view.missionId);
  if (view.asOf) params.set('asOf', view.asOf);
  return `#${params}`;
}

/**
 * Records a view the person chose: a new history entry (Back returns to the one before), or
 * the current entry replaced when the page chose it by itself (the first mission shown).
 * @param {View} view @param {{ replace?: boolean }} [options]
 */
export function showInUrl(view, options = {}) {
  const hash = hashOf(view);
  if (hash === location.hash) return;
  if (options.replace) history.replaceState(null, '', hash);
  else history.pushState(null, '', hash);
}

/** Calls back when Back or Forward (or an edited URL) changes the view. @param {(view: View) => void} callback */
export function onViewChanged(callback) {
  window.addEventListener('popstate', () => callback(viewFromUrl()));
  window.addEventListener('hashchange', () => callback(viewFromUrl()));
}
