// @ts-check
// Where an event was reported (`source`), as a link people can follow: only http(s) URLs become
// links (never javascript: or data:), and they open outside the page with no opener or referrer.

/** @typedef {import('../../../libs/api-client/src/schema').components['schemas']['Source']} Source */

/**
 * @param {Source | undefined} source
 * @returns {HTMLElement | null} a link (or the publisher's name alone), null without a source
 */
export function sourceLink(source) {
  if (!source) return null;
  const label = source.publisher ?? hostOf(source.url) ?? 'source';
  const url = safeUrl(source.url);
  if (!url) {
    const span = document.createElement('span');
    span.className = 'source';
    span.textContent = `Source: ${label}`;
    return span;
  }
  const link = document.createElement('a');
  link.className = 'source';
  link.href = url;
  link.target = '_blank';
  link.rel = 'noopener noreferrer';
  link.textContent = `Source: ${label}`;
  const details = [source.title, source.publishedAt && `published ${source.publishedAt.slice(0, 10)}`].filter(Boolean).join(', ');
  link.title = details ? `${details} (opens in a new tab)` : 'opens in a new tab';
  return link;
}

/** @param {string | undefined} url */
function safeUrl(url) {
  if (!url) return null;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

/** @param {string | undefined} url */
function hostOf(url) {
  try {
    return url ? new URL(url).hostname : null;
  } catch {
    return null;
  }
}
