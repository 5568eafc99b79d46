-- CreateEnum
CREATE TYPE "decks"."DeckRole" AS ENUM ('EDITOR', 'COMMENTER', 'VIEWER');

-- CreateEnum
CREATE TYPE "decks"."TemplateVisibility" AS ENUM ('PRIVATE', 'PUBLIC');

-- AlterTable
ALTER TABLE "decks"."decks" ADD COLUMN     "extra" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "height" DOUBLE PRECISION NOT NULL DEFAULT 562.5,
ADD COLUMN     "is_template" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "share_token_hash" TEXT,
ADD COLUMN     "template_visibility" "decks"."TemplateVisibility",
ADD COLUMN     "theme" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "width" DOUBLE PRECISION NOT NULL DEFAULT 1000;

-- CreateTable
CREATE TABLE "decks"."slides" (
    "deck_id" UUID NOT NULL,
    "id" TEXT NOT NULL,
    "order_key" TEXT NOT NULL,
    "content" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "slides_pkey" PRIMARY KEY ("deck_id","id")
);

-- CreateTable
CREATE TABLE "decks"."collaborators" (
    "deck_id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "role" "decks"."DeckRole" NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "collaborators_pkey" PRIMARY KEY ("deck_id","user_id")
);

-- CreateTable
CREATE TABLE "decks"."versions" (
    "id" UUID NOT NULL,
    "deck_id" UUID NOT NULL,
    "name" TEXT,
    "kind" TEXT NOT NULL,
    "revision" INTEGER NOT NULL,
    "snapshot" JSONB NOT NULL,
    "author_id" UUID,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "versions_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "slides_deck_id_order_key_idx" ON "decks"."slides"("deck_id", "order_key");

-- CreateIndex
CREATE INDEX "collaborators_user_id_idx" ON "decks"."collaborators"("user_id");

-- CreateIndex
CREATE INDEX "versions_deck_id_created_at_idx" ON "decks"."versions"("deck_id", "created_at" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "decks_share_token_hash_key" ON "decks"."decks"("share_token_hash");

-- CreateIndex
CREATE INDEX "decks_is_template_template_visibility_idx" ON "decks"."decks"("is_template", "template_visibility");


-- Move existing documents into the new shape: the document's fields onto the deck, one row per
-- slide with an order key that keeps the old order ("a" + zero-padded position).
UPDATE "decks"."decks" SET
  "width" = COALESCE(("document"->>'width')::double precision, 1000),
  "height" = COALESCE(("document"->>'height')::double precision, 562.5),
  "theme" = COALESCE("document"->'theme', '{}'::jsonb),
  "extra" = "document" - 'title' - 'width' - 'height' - 'theme' - 'slides';

INSERT INTO "decks"."slides" ("deck_id", "id", "order_key", "content", "updated_at")
SELECT d."id", s.value->>'id', 'a' || lpad((s.ordinality - 1)::text, 6, '0'), s.value - 'id', CURRENT_TIMESTAMP
FROM "decks"."decks" d, jsonb_array_elements(COALESCE(d."document"->'slides', '[]'::jsonb)) WITH ORDINALITY AS s(value, ordinality)
WHERE s.value ? 'id';

-- AlterTable
ALTER TABLE "decks"."decks" DROP COLUMN "document";

-- AddForeignKey
ALTER TABLE "decks"."slides" ADD CONSTRAINT "slides_deck_id_fkey" FOREIGN KEY ("deck_id") REFERENCES "decks"."decks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "decks"."collaborators" ADD CONSTRAINT "collaborators_deck_id_fkey" FOREIGN KEY ("deck_id") REFERENCES "decks"."decks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "decks"."versions" ADD CONSTRAINT "versions_deck_id_fkey" FOREIGN KEY ("deck_id") REFERENCES "decks"."decks"("id") ON DELETE CASCADE ON UPDATE CASCADE;


