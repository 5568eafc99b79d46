-- CreateEnum
CREATE TYPE "media"."ImageStatus" AS ENUM ('PENDING', 'PROCESSING', 'READY', 'FAILED');

-- AlterTable
ALTER TABLE "media"."images" ADD COLUMN     "generation_model" TEXT,
ADD COLUMN     "is_public" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "processing_error" TEXT,
ADD COLUMN     "prompt" TEXT,
ADD COLUMN     "source_type" TEXT NOT NULL DEFAULT 'uploaded',
ADD COLUMN     "status" "media"."ImageStatus" NOT NULL DEFAULT 'READY',
ADD COLUMN     "thumbnail_key" TEXT,
ADD COLUMN     "web_key" TEXT;

-- CreateTable
CREATE TABLE "media"."tags" (
    "id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "tags_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "media"."image_tags" (
    "image_id" UUID NOT NULL,
    "tag_id" UUID NOT NULL,
    "added_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "image_tags_pkey" PRIMARY KEY ("image_id","tag_id")
);

-- CreateIndex
CREATE UNIQUE INDEX "tags_name_key" ON "media"."tags"("name");

-- CreateIndex
CREATE INDEX "image_tags_tag_id_idx" ON "media"."image_tags"("tag_id");

-- CreateIndex
CREATE INDEX "images_is_public_created_at_idx" ON "media"."images"("is_public", "created_at" DESC);

-- AddForeignKey
ALTER TABLE "media"."image_tags" ADD CONSTRAINT "image_tags_image_id_fkey" FOREIGN KEY ("image_id") REFERENCES "media"."images"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "media"."image_tags" ADD CONSTRAINT "image_tags_tag_id_fkey" FOREIGN KEY ("tag_id") REFERENCES "media"."tags"("id") ON DELETE CASCADE ON UPDATE CASCADE;


