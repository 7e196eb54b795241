// ISO 3166-1 alpha-3 country codes and ISO 4217 currency codes.
import * as countries from 'i18n-iso-countries';

const CURRENCIES = new Set(Intl.supportedValuesOf('currency'));

export function isCountryCode(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && countries.isValid(code);
}

export function isCurrencyCode(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && CURRENCIES.has(code);
}

const names = new Map<string, string>();

/** "KEN" -> "Kenya"; anything that is not a country code is returned as given. */
export function displayName(countryOrOrganisation: string): string {
  let name = names.get(countryOrOrganisation);
  if (name === undefined) {
    name = isCountryCode(countryOrOrganisation)
      ? (countries.getName(countryOrOrganisation, 'en', { select: 'official' }) ?? countryOrOrganisation)
      : countryOrOrganisation;
    if (names.size < 10_000) names.set(countryOrOrganisation, name);
  }
  return name;
}

/** "  États-Unis " -> "etats-unis": how names are compared (case, accents, spaces, apostrophes). */
const normalizedName = (name: string) =>
  name
    .normalize('NFD')
    .replace(/\p{Diacritic}/gu, '')
    .replace(/[’`]/g, "'")
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();

let byName: Map<string, string> | null = null;

/**
 * Every English and French name of every country (i18n-iso-countries, all variants), and the
 * French short forms people write ("États-Unis" for "États-Unis d'Amérique") where they name
 * one country only, each to its alpha-3 code.
 */
function countriesByName(): Map<string, string> {
  if (byName) return byName;
  const index = new Map<string, string>();
  const prefixes = new Map<string, Set<string>>();
  for (const language of ['en', 'fr']) {
    for (const [alpha2, variants] of Object.entries(countries.getNames(language, { select: 'all' }))) {
      const code = countries.alpha2ToAlpha3(alpha2);
      if (!code) continue;
      for (const name of variants as string[]) {
        index.set(normalizedName(name), code);
        const short = /^(.{4,}?) (?:d'|de |du |des )/.exec(normalizedName(name))?.[1];
        if (language === 'fr' && short) prefixes.set(short, (prefixes.get(short) ?? new Set()).add(code));
      }
    }
  }
  // Only where no other country has a name that begins so ("République" begins many).
  const begins = (short: string) => new Set([...index].filter(([name]) => name === short || name.startsWith(`${short} `)).map(([, code]) => code));
  for (const [short, codes] of prefixes) if (codes.size === 1 && !index.has(short) && begins(short).size === 1) index.set(short, [...codes][0]);
  byName = index;
  return index;
}

/** The alpha-3 code of the country this text names in English or French ("Canada", "États-Unis"), or null. */
export function countryCodeNamed(text: string): string | null {
  return countriesByName().get(normalizedName(text)) ?? null;
}
