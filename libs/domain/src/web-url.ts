// An absolute http(s) URL: what a reader's browser may open (never javascript:, data:...).
// Shared by `metadata.source.url` and `MandateAuthorized.url` (one rule for both).
import { z } from 'zod';

const MAX_URL_LENGTH = 2000;

export const webUrl = () =>
  z
    .string()
    .max(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`)
    .refine(isWebUrl, 'must be an absolute https: or http: URL');

function isWebUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname.length > 0;
}
