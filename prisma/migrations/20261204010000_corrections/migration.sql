-- Sources and corrections (CONTRACT section 10): each timeline item names its event (which a
-- correction targets), the status its corrections give it, and where it was reported.
ALTER TABLE "timeline_items"
  ADD COLUMN "event_id" UUID,
  ADD COLUMN "status" TEXT NOT NULL DEFAULT 'current',
  ADD COLUMN "source" JSONB;

-- Items written before: their event's id and source, from the log.
UPDATE "timeline_items" t SET "event_id" = e."id", "source" = e."metadata"->'source'
FROM "events" e WHERE e."position" = t."position" AND e."mission_id" = t."mission_id";

ALTER TABLE "timeline_items" ALTER COLUMN "event_id" SET NOT NULL;
