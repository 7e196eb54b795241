// RFC 9457 problem details. Every error the API returns is one of these.
import { FieldError } from '@app/domain';

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Thrown anywhere in the API; the problem filter renders it as application/problem+json. */
export class Problem extends Error {
  constructor(
    readonly status: number,
    /** Short machine-readable kind, e.g. "validation-error"; becomes the `type` URI. */
    readonly kind: string,
    readonly detail: string,
    readonly extensions: { errors?: FieldError[]; [key: string]: unknown } = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }

  toBody(): ProblemBody {
    return {
      type: `/problems/${this.kind}`,
      title: TITLES[this.status] ?? 'Error',
      status: this.status,
      detail: this.detail,
      ...this.extensions,
    };
  }
}

export const validationProblem = (errors: FieldError[], detail = 'the request is not valid') =>
  new Problem(400, 'validation-error', `${detail}: ${errors.map((e) => (e.path ? `${e.path} ${e.message}` : e.message)).join('; ')}`, { errors });
