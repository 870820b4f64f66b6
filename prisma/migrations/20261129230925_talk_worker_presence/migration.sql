-- AlterEnum
ALTER TYPE "TalkRequestStatus" ADD VALUE 'LEFT';

-- AlterTable
ALTER TABLE "TalkRequest" ADD COLUMN     "workerSeenAt" TIMESTAMPTZ(3);

-- AlterTable
ALTER TABLE "TalkPresence" ADD COLUMN     "requesterKey" VARCHAR(64);

-- CreateIndex
CREATE INDEX "TalkPresence_requesterKey_idx" ON "TalkPresence"("requesterKey");
