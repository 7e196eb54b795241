-- Personnel counters in 64 bits: sums over many pledges must never overflow a fold (the
-- domain bounds each country's counters, see libs/domain/src/mission-stream.ts).
ALTER TABLE "personnel_missions" ALTER COLUMN "required" SET DATA TYPE BIGINT;
ALTER TABLE "personnel_countries"
  ALTER COLUMN "pledged" SET DATA TYPE BIGINT,
  ALTER COLUMN "departed" SET DATA TYPE BIGINT,
  ALTER COLUMN "in_transit" SET DATA TYPE BIGINT,
  ALTER COLUMN "deployed" SET DATA TYPE BIGINT,
  ALTER COLUMN "withdrawn" SET DATA TYPE BIGINT;

-- A generation waiting for code that can read the log (an unknown event type or a newer
-- schema version, as a rolling deploy produces): retried with backoff, never failed.
ALTER TABLE "projection_generations"
  ADD COLUMN "waiting_reason" TEXT,
  ADD COLUMN "waiting_attempts" INTEGER NOT NULL DEFAULT 0,
  ADD COLUMN "retry_at" TIMESTAMPTZ(3);
