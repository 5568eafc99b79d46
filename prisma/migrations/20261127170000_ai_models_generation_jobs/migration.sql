-- CreateEnum
CREATE TYPE "ai"."GenerationMode" AS ENUM ('DECK', 'OUTLINE', 'SLIDES');

-- AlterTable
ALTER TABLE "ai"."generation_jobs" ADD COLUMN     "completion_tokens" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "cost_usd" DOUBLE PRECISION NOT NULL DEFAULT 0,
ADD COLUMN     "deck_created" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "error_code" TEXT,
ADD COLUMN     "mode" "ai"."GenerationMode" NOT NULL DEFAULT 'DECK',
ADD COLUMN     "model_id" UUID,
ADD COLUMN     "outline" TEXT,
ADD COLUMN     "prompt_tokens" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "source_text" TEXT,
ADD COLUMN     "style" TEXT,
ADD COLUMN     "template_id" UUID;

-- CreateTable
CREATE TABLE "ai"."models" (
    "id" UUID NOT NULL,
    "owner_id" UUID,
    "name" TEXT NOT NULL,
    "provider_model" TEXT NOT NULL,
    "provider" TEXT NOT NULL DEFAULT 'openai',
    "base_url" TEXT NOT NULL DEFAULT '',
    "capabilities" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "provider_mapping" JSONB NOT NULL DEFAULT '{}',
    "parameters" JSONB NOT NULL DEFAULT '{}',
    "max_tokens" INTEGER,
    "context_window" INTEGER,
    "input_price" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "output_price" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "is_default" BOOLEAN NOT NULL DEFAULT false,
    "key_hint" TEXT,
    "key_ciphertext" BYTEA,
    "key_iv" BYTEA,
    "key_auth_tag" BYTEA,
    "key_wrapped" BYTEA,
    "key_wrap_iv" BYTEA,
    "key_wrap_tag" BYTEA,
    "key_kek_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "models_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "ai"."usage_days" (
    "user_id" UUID NOT NULL,
    "day" DATE NOT NULL,
    "prompt_tokens" INTEGER NOT NULL DEFAULT 0,
    "completion_tokens" INTEGER NOT NULL DEFAULT 0,
    "cost_usd" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "jobs" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "usage_days_pkey" PRIMARY KEY ("user_id","day")
);

-- CreateIndex
CREATE INDEX "models_owner_id_idx" ON "ai"."models"("owner_id");

-- CreateIndex
CREATE INDEX "models_name_idx" ON "ai"."models"("name");

-- CreateIndex
CREATE INDEX "generation_jobs_owner_id_status_idx" ON "ai"."generation_jobs"("owner_id", "status");


