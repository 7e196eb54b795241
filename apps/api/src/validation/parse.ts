// Request parts (params, query, bodies other than events) are checked with zod schemas;
// a failure is a 400 problem listing every field at fault.
import { z } from 'zod';
import { MISSION_ID_PATTERN, PARSE_OPTIONS, zodErrors } from '@app/domain';
import { validationProblem } from '../problems/problem';

export { MISSION_ID_PATTERN };

export function parseInput<S extends z.ZodType>(schema: S, value: unknown, what: string): z.infer<S> {
  const result = schema.safeParse(value, PARSE_OPTIONS);
  if (!result.success) throw validationProblem(zodErrors(result.error), `invalid ${what}`);
  return result.data;
}

export const missionIdSchema = z
  .string()
  .regex(MISSION_ID_PATTERN, 'must match ^[a-z0-9][a-z0-9-]{1,62}$ (lower-case letters, digits and dashes)');

/** A non-negative integer given as query text ("12"); "", "-1", "1.5" and "abc" are refused. */
export const queryInteger = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d{1,15}$/, 'must be a non-negative integer')
    .transform(Number)
    .pipe(z.number().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
    .optional()
    .transform((value) => value ?? fallback);
