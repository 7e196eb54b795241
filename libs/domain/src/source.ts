// `metadata.source` (CONTRACT section 10): where an event was reported, so that every figure
// can be traced to a publication. At least a URL or a publisher; nothing else in it.
import { z } from 'zod';
import { text } from './catalogue';
import { OCCURRED_AT_RANGE, parseOccurredAt } from './occurred-at';
import { webUrl } from './web-url';

export interface Source {
  url?: string;
  publisher?: string;
  title?: string;
  publishedAt?: string;
}

/** An absolute http(s) URL (see web-url.ts). */
export const sourceUrl = webUrl;

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
