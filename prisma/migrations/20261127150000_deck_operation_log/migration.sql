-- AlterTable
ALTER TABLE "decks"."decks" ADD COLUMN     "field_clock" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "log_floor" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "decks"."slides" ADD COLUMN     "clock" JSONB NOT NULL DEFAULT '{}';

-- CreateTable
CREATE TABLE "decks"."operations" (
    "deck_id" UUID NOT NULL,
    "revision" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "actor_id" UUID,
    "client_id" TEXT,
    "batch_id" UUID NOT NULL,
    "operations" JSONB NOT NULL,
    "inverse" JSONB NOT NULL,
    "reverts_revision" INTEGER,
    "reverted_by" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "operations_pkey" PRIMARY KEY ("deck_id","revision")
);

-- CreateIndex
CREATE INDEX "operations_deck_id_actor_id_revision_idx" ON "decks"."operations"("deck_id", "actor_id", "revision" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "operations_deck_id_batch_id_key" ON "decks"."operations"("deck_id", "batch_id");

-- AddForeignKey
ALTER TABLE "decks"."operations" ADD CONSTRAINT "operations_deck_id_fkey" FOREIGN KEY ("deck_id") REFERENCES "decks"."decks"("id") ON DELETE CASCADE ON UPDATE CASCADE;


-- Decks edited before the log existed have no rows for their past revisions: clients that far
-- behind reload the document.
UPDATE "decks"."decks" SET "log_floor" = "revision";
