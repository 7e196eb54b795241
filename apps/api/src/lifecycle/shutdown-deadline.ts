// A process asked to stop must stop: if its graceful shutdown (drain, closing connections)
// has not ended the process well after its timeout, exit anyway.
export function exitIfShutdownHangs(timeoutMs: number, signals: NodeJS.Signals[] = ['SIGTERM', 'SIGINT']): void {
  const arm = () => setTimeout(() => {
    console.error(`shutdown did not finish within ${timeoutMs} ms; exiting`);
    process.exit(1);
  }, timeoutMs).unref();
  for (const signal of signals) process.once(signal, arm);
}
