-- CreateTable
CREATE TABLE "projection_generations" (
    "name" TEXT NOT NULL,
    "generation" INTEGER NOT NULL,
    "state" TEXT NOT NULL,
    "position" BIGINT NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "projection_generations_pkey" PRIMARY KEY ("name","generation")
);

-- CreateTable
CREATE TABLE "personnel_missions" (
    "generation" INTEGER NOT NULL,
    "mission_id" TEXT NOT NULL,
    "required" INTEGER NOT NULL,

    CONSTRAINT "personnel_missions_pkey" PRIMARY KEY ("generation","mission_id")
);

-- CreateTable
CREATE TABLE "personnel_countries" (
    "generation" INTEGER NOT NULL,
    "mission_id" TEXT NOT NULL,
    "country" TEXT NOT NULL,
    "pledged" INTEGER NOT NULL,
    "departed" INTEGER NOT NULL,
    "in_transit" INTEGER NOT NULL,
    "deployed" INTEGER NOT NULL,
    "withdrawn" INTEGER NOT NULL,

    CONSTRAINT "personnel_countries_pkey" PRIMARY KEY ("generation","mission_id","country")
);

-- CreateTable
CREATE TABLE "funding_donors" (
    "generation" INTEGER NOT NULL,
    "mission_id" TEXT NOT NULL,
    "donor" TEXT NOT NULL,
    "currency" TEXT NOT NULL,
    "pledged" DECIMAL(30,4) NOT NULL,
    "committed" DECIMAL(30,4) NOT NULL,
    "disbursed" DECIMAL(30,4) NOT NULL,

    CONSTRAINT "funding_donors_pkey" PRIMARY KEY ("generation","mission_id","donor","currency")
);

-- CreateTable
CREATE TABLE "timeline_items" (
    "generation" INTEGER NOT NULL,
    "mission_id" TEXT NOT NULL,
    "position" BIGINT NOT NULL,
    "version" INTEGER NOT NULL,
    "type" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "summary" TEXT NOT NULL,

    CONSTRAINT "timeline_items_pkey" PRIMARY KEY ("generation","mission_id","position")
);

-- CreateTable
CREATE TABLE "missions" (
    "generation" INTEGER NOT NULL,
    "mission_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "host_country" TEXT NOT NULL,
    "lead_nation" TEXT,
    "stream_version" INTEGER NOT NULL,
    "supporters" TEXT[],

    CONSTRAINT "missions_pkey" PRIMARY KEY ("generation","mission_id")
);


-- At most one live and one building generation per projection.
CREATE UNIQUE INDEX "projection_generations_one_live" ON "projection_generations"("name") WHERE "state" = 'live';
CREATE UNIQUE INDEX "projection_generations_one_building" ON "projection_generations"("name") WHERE "state" = 'building';

-- asOf replays one mission's events up to a date.
CREATE INDEX "events_mission_id_occurred_at_idx" ON "events"("mission_id", "occurred_at");

-- Every projection starts live at generation 1, position 0.
INSERT INTO "projection_generations" ("name", "generation", "state") VALUES
  ('personnel', 1, 'live'), ('funding', 1, 'live'), ('timeline', 1, 'live'), ('missions', 1, 'live');
