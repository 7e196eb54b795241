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
