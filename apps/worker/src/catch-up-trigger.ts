// The one way to wake this worker's projection runner: the append NOTIFY, the BullMQ nudge
// and the sweep all request a catch-up here. Requests coalesce (one run in flight, one
// pending), so a burst of wake-ups costs one more run, and whoever awaits a request awaits
// a run that started after it: caught up as of when it asked.
import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { ProjectionRunner, StepResult } from '@app/projections';
import { CoalescedRun } from '@app/queues';

@Injectable()
export class CatchUpTrigger implements OnApplicationShutdown {
  private readonly runs: CoalescedRun<StepResult>;

  constructor(runner: ProjectionRunner) {
    this.runs = new CoalescedRun(() => runner.catchUp());
  }

  /** Rejects with the run's error, or RunsStoppedError once the worker is shutting down. */
  request(): Promise<StepResult> {
    return this.runs.request();
  }

  onApplicationShutdown(): void {
    this.runs.stop();
  }
}
