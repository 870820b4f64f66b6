-- CreateEnum
CREATE TYPE "RotaKind" AS ENUM ('TALK_LINE', 'FACILITATOR_COVER');

-- CreateEnum
CREATE TYPE "AssignmentSource" AS ENUM ('SIGNUP', 'AUTOFILL', 'SWAP');

-- CreateEnum
CREATE TYPE "SwapStatus" AS ENUM ('OPEN', 'TAKEN', 'WITHDRAWN');

-- DropForeignKey
ALTER TABLE "WorkPattern" DROP CONSTRAINT "WorkPattern_personId_fkey";

-- AlterTable
ALTER TABLE "RotaTemplate" ADD COLUMN     "active" BOOLEAN NOT NULL DEFAULT true,
ADD COLUMN     "kind" "RotaKind" NOT NULL DEFAULT 'TALK_LINE',
ADD COLUMN     "seriesId" UUID,
ADD COLUMN     "updatedAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "RotaAssignment" ADD COLUMN     "source" "AssignmentSource" NOT NULL DEFAULT 'SIGNUP';

-- DropTable (reviewed: WorkPattern only ever held seeded demo patterns in a single-RRULE
-- shape the rota engine cannot use. Patterns now live in "VolunteerRota" as RRULE sets)
DROP TABLE "WorkPattern";

-- CreateTable
CREATE TABLE "VolunteerRota" (
    "personId" UUID NOT NULL,
    "shifts" JSONB NOT NULL DEFAULT '[]',
    "pattern" JSONB,
    "preferences" JSONB NOT NULL DEFAULT '{}',
    "feedTokenHash" VARCHAR(64),
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VolunteerRota_pkey" PRIMARY KEY ("personId")
);

-- CreateTable
CREATE TABLE "RotaSwapOffer" (
    "id" UUID NOT NULL,
    "slotId" UUID NOT NULL,
    "fromId" UUID NOT NULL,
    "status" "SwapStatus" NOT NULL DEFAULT 'OPEN',
    "takenById" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "decidedAt" TIMESTAMPTZ(3),

    CONSTRAINT "RotaSwapOffer_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "VolunteerRota_feedTokenHash_key" ON "VolunteerRota"("feedTokenHash");

-- CreateIndex
CREATE INDEX "RotaSwapOffer_slotId_status_idx" ON "RotaSwapOffer"("slotId", "status");

-- CreateIndex
CREATE INDEX "RotaAssignment_personId_idx" ON "RotaAssignment"("personId");

-- AddForeignKey
ALTER TABLE "VolunteerRota" ADD CONSTRAINT "VolunteerRota_personId_fkey" FOREIGN KEY ("personId") REFERENCES "Person"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RotaSwapOffer" ADD CONSTRAINT "RotaSwapOffer_slotId_fkey" FOREIGN KEY ("slotId") REFERENCES "RotaSlot"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RotaSwapOffer" ADD CONSTRAINT "RotaSwapOffer_fromId_fkey" FOREIGN KEY ("fromId") REFERENCES "Person"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written: one open swap/cover offer per volunteer and slot.
CREATE UNIQUE INDEX "RotaSwapOffer_open_key" ON "RotaSwapOffer"("slotId", "fromId") WHERE "status" = 'OPEN';
