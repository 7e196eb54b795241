// `metadata.source` (CONTRACT section 10): where an event was reported, so that every figure
// can be traced to a publication. At least a URL or a publisher; nothing else in it.
import { z } from 'zod';
import { text } from './catalogue';
import { OCCURRED_AT_RANGE, parseOccurredAt } from './occurred-at';

export interface Source {
  url?: string;
  publisher?: string;
  title?: string;
  publishedAt?: string;
}

const MAX_URL_LENGTH = 2000;

/** An absolute http(s) URL: what a reader's browser may open (never javascript:, data:...). */
export const sourceUrl = () =>
  z
    .string()
    .max(MAX_URL_LENGTH, `must be at most ${MAX_URL_LENGTH} characters`)
    .refine(isWebUrl, 'must be an absolute https: or http: URL');

function isWebUrl(value: string): boolean {
  if (!URL.canParse(value)) return false;
  const url = new URL(value);
  return (url.protocol === 'https:' || url.protocol === 'http:') && url.hostname.length > 0;
}

export const sourceSchema = z
  .strictObject({
    url: sourceUrl().optional(),
    publisher: text(200).optional(),
    title: text(300).optional(),
    publishedAt: z
      .string()
      .refine((value) => parseOccurredAt(value) !== null, `must be an ISO 8601 date ("2024-06-24") or date-time ${OCCURRED_AT_RANGE}`)
      .optional(),
  })
  .refine((source) => source.url !== undefined || source.publisher !== undefined, {
    message: 'must have a url or a publisher (or both)',
  });
