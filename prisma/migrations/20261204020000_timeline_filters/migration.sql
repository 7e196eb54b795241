-- Reading the timeline (CONTRACT section 10): by the country an event names (as country,
-- donor or supporter), and in date order (newest occurredAt first, ties by position).
ALTER TABLE "timeline_items" ADD COLUMN "country" TEXT;

UPDATE "timeline_items" t SET "country" = coalesce(e."data"->>'country', e."data"->>'donor', e."data"->>'supporter')
FROM "events" e WHERE e."position" = t."position" AND e."mission_id" = t."mission_id";

CREATE INDEX "timeline_items_occurred" ON "timeline_items" ("generation", "mission_id", "occurred_at" DESC, "position" DESC);
