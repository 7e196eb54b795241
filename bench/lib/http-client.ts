// A small keep-alive JSON client on node:http (cheaper per request than fetch, so the
// benchmark measures the service rather than its own client).
import { Agent, request } from 'node:http';

export class HttpClient {
  private readonly agent: Agent;

  constructor(
    private readonly baseUrl: string,
    private readonly key: string,
    connections: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: connections });
  }

  send(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
    const url = new URL(path, this.baseUrl);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method,
          agent: this.agent,
          headers: {
            authorization: `Bearer ${this.key}`,
            ...(payload ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {}),
          },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString();
            resolve({ status: res.statusCode ?? 0, body: text ? JSON.parse(text) : undefined });
          });
        },
      );
      req.on('error', reject);
      if (payload) req.write(payload);
      req.end();
    });
  }

  async append(missionId: string, events: unknown[]): Promise<any> {
    const response = await this.send('POST', `/v1/missions/${missionId}/events`, { events });
    if (response.status !== 201) throw new Error(`append failed: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  close(): void {
    this.agent.destroy();
  }
}
