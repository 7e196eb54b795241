-- Mandates and succession (CONTRACT section 11).

-- The mandates projection: one row per MandateAuthorized of the effective stream of a mission:
-- `ordinal` is its place in the log order of the mission (of two adopted the same day, the later
-- one is in force).
CREATE TABLE "mandates" (
    "generation" INTEGER NOT NULL,
    "mission_id" TEXT NOT NULL,
    "event_id" UUID NOT NULL,
    "ordinal" INTEGER NOT NULL,
    "authority" TEXT NOT NULL,
    "instrument" TEXT NOT NULL,
    "adopted_on" DATE NOT NULL,
    "expires_on" DATE,
    "personnel_ceiling" INTEGER,
    "url" TEXT,

    CONSTRAINT "mandates_pkey" PRIMARY KEY ("generation", "mission_id", "event_id")
);

-- The mission a mission succeeds (MissionEstablished.predecessor): its successor is found
-- through this column.
ALTER TABLE "missions" ADD COLUMN "predecessor" TEXT;
CREATE INDEX "missions_predecessor_idx" ON "missions"("generation", "predecessor");

-- The new projection starts live at generation 1, position 0 in every partition, and
-- catches up from the log like any other.
INSERT INTO "projection_generations" ("name", "generation", "state") VALUES ('mandates', 1, 'live');
INSERT INTO "projection_checkpoints" ("name", "generation", "partition")
SELECT 'mandates', 1, p FROM generate_series(0, log_partition_count() - 1) AS p;
