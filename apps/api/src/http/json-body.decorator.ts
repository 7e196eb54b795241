// @JsonBody(): the parameter decorator of a route that takes a JSON body. The body parser
// reads an empty body as no body (json-body.ts), so routes that take none accept what many
// clients send; a route that needs one answers its absence with a precise 400 here.
import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { EMPTY_BODY_DETAIL, invalidJson } from './json-body';

export const JsonBody = createParamDecorator((_: unknown, context: ExecutionContext): unknown => {
  const { body } = context.switchToHttp().getRequest<{ body?: unknown }>();
  if (body === undefined) throw invalidJson(EMPTY_BODY_DETAIL);
  return body;
});
