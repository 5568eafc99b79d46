-- CreateTable
CREATE TABLE "decks"."comments" (
    "id" UUID NOT NULL,
    "deck_id" UUID NOT NULL,
    "slide_id" TEXT NOT NULL,
    "element_id" TEXT,
    "parent_id" UUID,
    "author_id" UUID NOT NULL,
    "content" TEXT NOT NULL,
    "resolved" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "comments_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "comments_deck_id_slide_id_created_at_idx" ON "decks"."comments"("deck_id", "slide_id", "created_at");

-- CreateIndex
CREATE INDEX "comments_parent_id_idx" ON "decks"."comments"("parent_id");

-- AddForeignKey
ALTER TABLE "decks"."comments" ADD CONSTRAINT "comments_deck_id_fkey" FOREIGN KEY ("deck_id") REFERENCES "decks"."decks"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "decks"."comments" ADD CONSTRAINT "comments_parent_id_fkey" FOREIGN KEY ("parent_id") REFERENCES "decks"."comments"("id") ON DELETE CASCADE ON UPDATE CASCADE;


