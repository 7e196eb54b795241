-- History (CONTRACT section 10): per mission, one row per UTC day on which an effective event
-- occurred. `point` is the answer for that day (personnel with authorized, funding by
-- currency, inconsistent), `figures` the whole state at the end of the day (per country,
-- donor and mandate) that the worker folds a later event onto, from its own day on.
CREATE TABLE "history_points" (
    "generation" INTEGER NOT NULL,
    "mission_id" TEXT NOT NULL,
    "day" DATE NOT NULL,
    "point" JSONB NOT NULL,
    "figures" JSONB NOT NULL,

    CONSTRAINT "history_points_pkey" PRIMARY KEY ("generation", "mission_id", "day")
);

INSERT INTO "projection_generations" ("name", "generation", "state") VALUES ('history', 1, 'live');
INSERT INTO "projection_checkpoints" ("name", "generation", "partition")
SELECT 'history', 1, p FROM generate_series(0, log_partition_count() - 1) AS p;
