-- AlterTable
ALTER TABLE "PushSubscription" ADD COLUMN     "browserKey" VARCHAR(64);

-- CreateTable
CREATE TABLE "PushSent" (
    "dedupeKey" VARCHAR(160) NOT NULL,
    "sentAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "PushSent_pkey" PRIMARY KEY ("dedupeKey")
);

-- CreateIndex
CREATE INDEX "PushSent_sentAt_idx" ON "PushSent"("sentAt");

-- CreateIndex
CREATE INDEX "PushSubscription_browserKey_idx" ON "PushSubscription"("browserKey");
