-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "ai"."GenerationMode" ADD VALUE 'SLIDE_REGENERATE';
ALTER TYPE "ai"."GenerationMode" ADD VALUE 'SLIDE_INSERT';
ALTER TYPE "ai"."GenerationMode" ADD VALUE 'SLIDE_SPLIT';
ALTER TYPE "ai"."GenerationMode" ADD VALUE 'SLIDE_NOTES';
ALTER TYPE "ai"."GenerationMode" ADD VALUE 'DECK_NOTES';

-- AlterTable
ALTER TABLE "ai"."generation_jobs" ADD COLUMN     "instruction" TEXT,
ADD COLUMN     "target_slide_id" TEXT;


