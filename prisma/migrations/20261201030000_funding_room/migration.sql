-- Funding sums with room to grow: each amount is below 10^20, and numeric(30,4) overflowed
-- (stopping the funding projection) after about a million of the largest. At 60 digits no
-- number of events can reach it.
ALTER TABLE "funding_donors"
  ALTER COLUMN "pledged" SET DATA TYPE DECIMAL(60,4),
  ALTER COLUMN "committed" SET DATA TYPE DECIMAL(60,4),
  ALTER COLUMN "disbursed" SET DATA TYPE DECIMAL(60,4);
