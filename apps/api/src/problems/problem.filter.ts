import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { toProblem } from './to-problem';
import { Problem } from './problem';

export function sendProblem(reply: FastifyReply, problem: Problem): void {
  void reply
    .status(problem.status)
    .headers({ ...problem.headers, 'content-type': 'application/problem+json' })
    .send(JSON.stringify(problem.toBody()));
}

/** The one place errors are turned into responses (Fastify's own errors too, see main.ts). */
@Catch()
export class ProblemFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    sendProblem(host.switchToHttp().getResponse<FastifyReply>(), toProblem(error));
  }
}
