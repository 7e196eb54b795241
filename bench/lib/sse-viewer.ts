// A live viewer of GET /v1/missions/{id}/live on its own socket, as a dashboard is: it
// counts the server-sent events it receives and keeps the last body of each event name.
import { request } from 'node:http';

export interface Viewer {
  missionId: string;
  /** HTTP status of the answer; undefined until it comes (or when the connection failed). */
  status?: number;
  error?: string;
  /** Milliseconds from the request to the first `personnel` and `funding` events. */
  readyMs?: number;
  frames: Record<string, number>;
  last: Record<string, unknown>;
  /** Resolves once both first events arrived, or the stream was refused or failed. */
  ready: Promise<void>;
  close(): void;
}

export function openViewer(baseUrl: string, key: string, missionId: string): Viewer {
  const started = performance.now();
  let markReady!: () => void;
  const viewer: Viewer = { missionId, frames: {}, last: {}, ready: new Promise<void>((resolve) => (markReady = resolve)), close: () => req.destroy() };
  const req = request(new URL(`/v1/missions/${missionId}/live`, baseUrl), { agent: false, headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' } }, (res) => {
    viewer.status = res.statusCode;
    if (res.statusCode !== 200) {
      res.resume();
      markReady();
      return;
    }
    res.setEncoding('utf8');
    let buffer = '';
    res.on('data', (chunk: string) => {
      buffer += chunk;
      for (let end = buffer.indexOf('\n\n'); end >= 0; end = buffer.indexOf('\n\n')) {
        receive(viewer, buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
      if (viewer.readyMs === undefined && viewer.frames.personnel && viewer.frames.funding) {
        viewer.readyMs = performance.now() - started;
        markReady();
      }
    });
    res.on('error', () => undefined);
  });
  req.on('error', (error) => {
    viewer.error ??= error.message;
    markReady();
  });
  req.end();
  return viewer;
}

/** One event block: `event:` and `data:` lines; comment lines (`: keep-alive`) are skipped. */
function receive(viewer: Viewer, block: string): void {
  let event = 'message';
  const data: string[] = [];
  for (const line of block.split('\n')) {
    if (line.startsWith('event:')) event = line.slice(6).trim();
    else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
  }
  if (data.length === 0) return;
  viewer.frames[event] = (viewer.frames[event] ?? 0) + 1;
  try {
    viewer.last[event] = JSON.parse(data.join('\n'));
  } catch {
    viewer.last[event] = data.join('\n');
  }
}

/** A viewer that goes away at once: the request is sent, then the socket is destroyed. */
export function abortEarly(baseUrl: string, key: string, missionId: string): Promise<void> {
  return new Promise((resolve) => {
    const req = request(new URL(`/v1/missions/${missionId}/live`, baseUrl), { agent: false, headers: { authorization: `Bearer ${key}`, accept: 'text/event-stream' } });
    req.on('error', () => undefined);
    req.on('close', () => resolve());
    req.end(() => req.destroy());
  });
}
