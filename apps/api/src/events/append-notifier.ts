// Told after each committed append. The projections wiring (apps/api projections module)
// replaces this with one that nudges the projection queue; the log stays the source of truth.
import { Injectable } from '@nestjs/common';
import { AppendResult } from '@app/event-store';

@Injectable()
export class AppendNotifier {
  appended(_result: AppendResult): void {}
}
