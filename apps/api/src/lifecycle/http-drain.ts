// Graceful drain of the HTTP server for a rolling restart (SIGTERM). Fastify's close would
// destroy every idle connection at once, and "idle" includes a connection the server has
// just accepted whose first request is still on its way: that client sees a reset with no
// answer. Instead, when the server closes:
//   1. readiness checks and new server-sent-event streams get 503 (problem+json) at once, so
//      a load balancer stops routing here and a dashboard reconnects elsewhere;
//   2. for ACCEPT_GRACE_MS the listener stays open, and every request on a connection
//      accepted meanwhile gets 503 (problem+json, `Connection: close`, Retry-After). A client
//      whose connection the kernel completed before the signal is still in the listen backlog
//      until Node accepts it, and closing the listener would reset it with no answer;
//   3. then the listener closes (clients go to another instance), after one more turn of
//      the event loop's poll phase, which accepts what reached the backlog until then;
//   4. requests in progress finish; each response from now on carries `Connection: close`;
//   5. a connection with no request in progress is closed once it has been idle for
//      IDLE_GRACE_MS since the drain began (a request that arrives meanwhile is served, then
//      the connection closes);
//   6. whatever is still open after the shutdown timeout is destroyed.
// It runs in Fastify's preClose hook, which Nest's shutdown reaches after the
// beforeApplicationShutdown hooks (where the live streams are ended).
import type { IncomingMessage, Server } from 'node:http';
import { Server as NetServer, Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { sendProblem } from '../problems/problem.filter';
import { Problem } from '../problems/problem';

/** How long a connection with nothing in progress may stay idle once draining started. */
export const IDLE_GRACE_MS = 1_000;
/** How long the listener keeps accepting (and answering 503) once draining started. */
export const ACCEPT_GRACE_MS = 500;

interface Connection {
  /** Accepted once draining had started: every request on it is refused. */
  late: boolean;
  inProgress: number;
  idleSince: number;
  closeTimer?: NodeJS.Timeout;
}

const SHUTTING_DOWN = () =>
  new Problem(503, 'shutting-down', 'this server is shutting down; retry, another instance will answer', {}, { 'Retry-After': '1', connection: 'close' });

/** Requests that would hold a connection open indefinitely, or that tell a balancer to keep routing here. */
const refusedWhileDraining = ({ url = '', headers }: IncomingMessage): boolean =>
  /^\/v1\/missions\/[^/?]+\/live(\?|$)/.test(url) || (headers.accept ?? '').includes('text/event-stream') || /^\/health\/ready(\?|$)/.test(url);

export class HttpDrain {
  private readonly connections = new Map<Socket, Connection>();
  private draining = false;
  private drainStartedAt = 0;

  constructor(
    private readonly server: Server,
    private readonly timeoutMs: number,
  ) {
    server.on('connection', (socket: Socket) => {
      const connection: Connection = { late: this.draining, inProgress: 0, idleSince: Date.now() };
      this.connections.set(socket, connection);
      socket.once('close', () => {
        clearTimeout(connection.closeTimer);
        this.connections.delete(socket);
      });
      if (this.draining) this.closeWhenIdle(socket, connection);
    });
    server.on('request', (request: IncomingMessage, response) => {
      const connection = this.connections.get(request.socket);
      if (!connection) return;
      connection.inProgress++;
      clearTimeout(connection.closeTimer);
      if (this.draining && !response.headersSent) response.setHeader('connection', 'close');
      response.once('close', () => {
        connection.inProgress--;
        connection.idleSince = Date.now();
        if (this.draining) this.closeWhenIdle(request.socket, connection);
      });
    });
  }

  /** Installs the drain on Fastify's close, and the 503s for what must not start while draining. */
  install(fastify: FastifyInstance): void {
    fastify.addHook('onRequest', async (request, reply) => {
      if (!this.draining) return;
      if (!this.connections.get(request.raw.socket)?.late && !refusedWhileDraining(request.raw)) return;
      sendProblem(reply, SHUTTING_DOWN());
      return reply;
    });
    fastify.addHook('preClose', () => this.drain());
  }

  /** Resolves when every connection is closed (or, after the timeout, destroyed). */
  async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    this.drainStartedAt = Date.now();
    for (const [socket, connection] of this.connections) this.closeWhenIdle(socket, connection);
    const deadline = Date.now() + this.timeoutMs;

    await new Promise((resolve) => setTimeout(resolve, Math.min(ACCEPT_GRACE_MS, this.timeoutMs)));
    // A timer runs before the poll phase of its loop turn: had the loop been busy through the
    // grace, the backlog would not have been accepted yet. setImmediate runs after that poll.
    await new Promise((resolve) => setImmediate(resolve));
    // net.Server's close, not http.Server's: the latter also drops idle connections at once.
    if (this.server.listening) NetServer.prototype.close.call(this.server);

    while (this.connections.size > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    for (const socket of this.connections.keys()) socket.destroy();
  }

  private closeWhenIdle(socket: Socket, connection: Connection): void {
    if (connection.inProgress > 0) return;
    clearTimeout(connection.closeTimer);
    const wait = Math.max(0, Math.max(connection.idleSince, this.drainStartedAt) + IDLE_GRACE_MS - Date.now());
    connection.closeTimer = setTimeout(() => {
      if (connection.inProgress === 0) socket.end();
    }, wait);
  }
}
