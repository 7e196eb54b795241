// `?format=csv` on a read (CONTRACT section 10): the route answers its JSON as usual, and this
// interceptor turns it into the CSV of one of its tables, with a file name people can keep
// (mission, model, asOf, knownAt). The route's query schema accepts `format` (formatParam), so
// a bad value is refused like any other parameter before anything is read.
import { applyDecorators, CallHandler, ExecutionContext, NestInterceptor, UseInterceptors } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { map, Observable } from 'rxjs';
import { z } from 'zod';
import { columnsOf, toCsv } from './csv-table';

export const formatParam = z.enum(['json', 'csv']).optional();
export const FORMAT_DOC = { description: '`csv`: the table as text/csv (RFC 4180; header row of the JSON field names, nested ones joined with ".")' };

export interface CsvTableOptions<Body> {
  /** What the file holds, in its name: `mss-haiti-personnel.csv`. */
  model: string;
  /** The schema of one row (its fields are the columns). */
  row: z.ZodType;
  rows(body: Body): ReadonlyArray<unknown>;
}

class CsvInterceptor<Body> implements NestInterceptor {
  private readonly columns: string[];

  constructor(private readonly options: CsvTableOptions<Body>) {
    this.columns = columnsOf(options.row);
  }

  intercept(context: ExecutionContext, next: CallHandler<Body>): Observable<unknown> {
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const query = (request.query ?? {}) as Record<string, unknown>;
    if (query.format !== 'csv') return next.handle();
    const reply = http.getResponse<FastifyReply>();
    const params = (request.params ?? {}) as Record<string, unknown>;
    return next.handle().pipe(
      map((body) => {
        reply.header('content-type', 'text/csv; charset=utf-8');
        reply.header('content-disposition', `attachment; filename="${fileName(this.options.model, params.missionId, query)}"`);
        return toCsv(this.options.rows(body), this.columns);
      }),
    );
  }
}

/** `mss-haiti-funding-asof-2024-07-01.csv`: only characters safe in a quoted header value and a file name. */
function fileName(model: string, missionId: unknown, query: Record<string, unknown>): string {
  const parts = [typeof missionId === 'string' ? missionId : 'missions', model];
  for (const key of ['figure', 'country', 'donor', 'currency', 'asOf', 'knownAt', 'from', 'to']) {
    const value = query[key];
    if (typeof value === 'string' && value !== '') parts.push(`${key.toLowerCase()}-${value}`);
  }
  return `${parts.join('-').replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 200)}.csv`;
}

/** The route answers `?format=csv` with the CSV of this table (ApiAnswer's `csv` documents it). */
export const CsvTable = <Body>(options: CsvTableOptions<Body>) => applyDecorators(UseInterceptors(new CsvInterceptor(options)));
