-- Partitioned projections (PROJECTION_PARTITIONS): missions are hashed into N partitions,
-- each with its own checkpoints, so that up to N workers fold in parallel.

-- The partitioning of the log, owned by the event store: one row, 1 partition on a new database
-- (and on an existing one, whose projections so far were one partition).
CREATE TABLE "log_partitioning" (
    "singleton" BOOLEAN NOT NULL DEFAULT true,
    "partitions" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "log_partitioning_pkey" PRIMARY KEY ("singleton"),
    CONSTRAINT "log_partitioning_one_row" CHECK ("singleton"),
    CONSTRAINT "log_partitioning_partitions" CHECK ("partitions" BETWEEN 1 AND 256)
);
INSERT INTO "log_partitioning" ("partitions") VALUES (1);

-- The stored count. VOLATILE on purpose: in READ COMMITTED each call takes a fresh snapshot,
-- so an append that reads it after taking the append lock sees a re-partition that committed
-- while it waited (the own snapshot of the statement is older than the lock).
CREATE FUNCTION "log_partition_count"() RETURNS INTEGER LANGUAGE sql VOLATILE
AS $$ SELECT "partitions" FROM "log_partitioning" $$;

-- The partition of a mission: the first 32 bits of md5(mission_id), unsigned, modulo the count
-- (libs/domain/src/partition.ts computes the same). Inlined by the planner.
CREATE FUNCTION "log_partition_of"("mission_id" TEXT, "partitions" INTEGER) RETURNS SMALLINT
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT ((('x' || substr(md5("mission_id"), 1, 8))::bit(32)::bigint % "partitions")::smallint) $$;

-- The partition of each event, computed at append (every existing event is in partition 0 of 1).
-- The next events of a partition are found through the index, never by scanning the log.
ALTER TABLE "events" ADD COLUMN "partition" SMALLINT NOT NULL DEFAULT 0;
CREATE INDEX "events_partition_position_idx" ON "events"("partition", "position");

-- How far each generation of each projection has got, per partition (was one position per
-- generation): position, failure, and the wait for an event this release cannot read.
CREATE TABLE "projection_checkpoints" (
    "name" TEXT NOT NULL,
    "generation" INTEGER NOT NULL,
    "partition" SMALLINT NOT NULL,
    "position" BIGINT NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "waiting_reason" TEXT,
    "waiting_attempts" INTEGER NOT NULL DEFAULT 0,
    "retry_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "projection_checkpoints_pkey" PRIMARY KEY ("name", "generation", "partition")
);
ALTER TABLE "projection_checkpoints" ADD CONSTRAINT "projection_checkpoints_generation_fkey"
    FOREIGN KEY ("name", "generation") REFERENCES "projection_generations"("name", "generation") ON DELETE CASCADE ON UPDATE CASCADE;

INSERT INTO "projection_checkpoints" ("name", "generation", "partition", "position", "last_error", "waiting_reason", "waiting_attempts", "retry_at", "updated_at")
SELECT "name", "generation", 0, "position", "last_error", "waiting_reason", "waiting_attempts", "retry_at", "updated_at" FROM "projection_generations";

ALTER TABLE "projection_generations"
    DROP COLUMN "position",
    DROP COLUMN "last_error",
    DROP COLUMN "waiting_reason",
    DROP COLUMN "waiting_attempts",
    DROP COLUMN "retry_at";

-- Workers that fold: a heartbeat every couple of seconds (the live ones share the partitions
-- out, see libs/projections/src/partition-ownership.ts) and the partitions each says it owns.
CREATE TABLE "projection_workers" (
    "worker_id" TEXT NOT NULL,
    "heartbeat_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "partitions" SMALLINT[] NOT NULL DEFAULT '{}',

    CONSTRAINT "projection_workers_pkey" PRIMARY KEY ("worker_id")
);
