-- Outcome indicators (CONTRACT section 11): one row per point of the effective stream of a
-- mission, keyed by indicator, period and area (an empty area is a point without one), so
-- that a revision replaces the point it revises.
CREATE TABLE "indicator_points" (
    "generation" INTEGER NOT NULL,
    "mission_id" TEXT NOT NULL,
    "indicator" TEXT NOT NULL,
    "period_start" DATE NOT NULL,
    "period_end" DATE NOT NULL,
    "area" TEXT NOT NULL DEFAULT '',
    "unit" TEXT NOT NULL,
    "value" DECIMAL(60,4) NOT NULL,
    "event_id" UUID NOT NULL,

    CONSTRAINT "indicator_points_pkey" PRIMARY KEY ("generation", "mission_id", "indicator", "period_start", "period_end", "area")
);

INSERT INTO "projection_generations" ("name", "generation", "state") VALUES ('indicators', 1, 'live');
INSERT INTO "projection_checkpoints" ("name", "generation", "partition")
SELECT 'indicators', 1, p FROM generate_series(0, log_partition_count() - 1) AS p;
