-- When the partition count was chosen (by the first process started with PROJECTION_PARTITIONS,
-- or by a re-partition), NULL while it is the 1 of a new database, chosen by nobody. A chosen
-- count sticks: a process started with another count is refused, even on an empty log, so two
-- processes starting at once with different counts cannot both run (the last one winning).
ALTER TABLE "log_partitioning" ADD COLUMN "chosen_at" TIMESTAMPTZ(3);
-- A count other than 1, or a log with events, was already chosen (or is in use).
UPDATE "log_partitioning" SET "chosen_at" = "updated_at" WHERE "partitions" <> 1 OR EXISTS (SELECT 1 FROM "events");
