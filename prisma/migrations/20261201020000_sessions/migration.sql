-- Dashboard sessions (POST /v1/session): a random token in an HttpOnly cookie, stored only as
-- its hash. A session resolves to its API key on every use, so revoking the key ends it.
-- api_key_id is NULL for a session opened with BOOTSTRAP_ADMIN_KEY, which has no row: its
-- digest is kept instead, so changing that key ends those sessions too.
CREATE TABLE "sessions" (
    "token_hash" TEXT NOT NULL,
    "api_key_id" UUID,
    "bootstrap_digest" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "sessions_pkey" PRIMARY KEY ("token_hash"),
    CONSTRAINT "sessions_one_owner" CHECK (("api_key_id" IS NULL) <> ("bootstrap_digest" IS NULL))
);

CREATE INDEX "sessions_api_key_id_idx" ON "sessions"("api_key_id");
CREATE INDEX "sessions_expires_at_idx" ON "sessions"("expires_at");

ALTER TABLE "sessions" ADD CONSTRAINT "sessions_api_key_id_fkey" FOREIGN KEY ("api_key_id") REFERENCES "api_keys"("id") ON DELETE CASCADE ON UPDATE CASCADE;
