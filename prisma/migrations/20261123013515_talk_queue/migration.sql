-- CreateEnum
CREATE TYPE "TalkRequestStatus" AS ENUM ('WAITING', 'OFFERED', 'MATCHED', 'CANCELLED');

-- CreateEnum
CREATE TYPE "TalkOfferStatus" AS ENUM ('PENDING', 'ACCEPTED', 'DECLINED', 'EXPIRED', 'WITHDRAWN');

-- CreateEnum
CREATE TYPE "TalkCallStatus" AS ENUM ('ACTIVE', 'ENDED');

-- AlterTable
ALTER TABLE "SafeguardingFlag" ADD COLUMN     "callId" UUID;

-- CreateTable
CREATE TABLE "TalkRequest" (
    "id" UUID NOT NULL,
    "requesterKey" VARCHAR(64) NOT NULL,
    "language" VARCHAR(8),
    "experience" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "priority" INTEGER NOT NULL DEFAULT 0,
    "fromOccurrenceId" UUID,
    "status" "TalkRequestStatus" NOT NULL DEFAULT 'WAITING',
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "matchedAt" TIMESTAMPTZ(3),
    "closedAt" TIMESTAMPTZ(3),

    CONSTRAINT "TalkRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TalkOffer" (
    "id" UUID NOT NULL,
    "requestId" UUID NOT NULL,
    "volunteerId" UUID NOT NULL,
    "status" "TalkOfferStatus" NOT NULL DEFAULT 'PENDING',
    "createdAt" TIMESTAMPTZ(3) NOT NULL,
    "expiresAt" TIMESTAMPTZ(3) NOT NULL,
    "decidedAt" TIMESTAMPTZ(3),

    CONSTRAINT "TalkOffer_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "TalkCall" (
    "id" UUID NOT NULL,
    "requestId" UUID NOT NULL,
    "volunteerId" UUID NOT NULL,
    "workerKey" VARCHAR(64) NOT NULL,
    "status" "TalkCallStatus" NOT NULL DEFAULT 'ACTIVE',
    "startedAt" TIMESTAMPTZ(3) NOT NULL,
    "endedAt" TIMESTAMPTZ(3),
    "endedBy" VARCHAR(16),
    "outcome" VARCHAR(40),
    "outcomeAt" TIMESTAMPTZ(3),
    "debriefRequestedAt" TIMESTAMPTZ(3),

    CONSTRAINT "TalkCall_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OnCall" (
    "personId" UUID NOT NULL,
    "slotId" UUID,
    "since" TIMESTAMPTZ(3) NOT NULL,
    "until" TIMESTAMPTZ(3),
    "lastCallEndedAt" TIMESTAMPTZ(3),

    CONSTRAINT "OnCall_pkey" PRIMARY KEY ("personId")
);

-- CreateTable
CREATE TABLE "TalkPresence" (
    "socketId" VARCHAR(64) NOT NULL,
    "kind" VARCHAR(8) NOT NULL,
    "personId" UUID,
    "callId" UUID,
    "side" VARCHAR(10),
    "nodeId" VARCHAR(64) NOT NULL,
    "heartbeatAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "TalkPresence_pkey" PRIMARY KEY ("socketId","kind")
);

-- CreateIndex
CREATE INDEX "TalkRequest_status_priority_createdAt_idx" ON "TalkRequest"("status", "priority", "createdAt");

-- CreateIndex
CREATE INDEX "TalkRequest_createdAt_idx" ON "TalkRequest"("createdAt");

-- CreateIndex
CREATE INDEX "TalkOffer_requestId_idx" ON "TalkOffer"("requestId");

-- CreateIndex
CREATE INDEX "TalkOffer_volunteerId_status_idx" ON "TalkOffer"("volunteerId", "status");

-- CreateIndex
CREATE INDEX "TalkOffer_status_expiresAt_idx" ON "TalkOffer"("status", "expiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "TalkCall_requestId_key" ON "TalkCall"("requestId");

-- CreateIndex
CREATE INDEX "TalkCall_volunteerId_idx" ON "TalkCall"("volunteerId");

-- CreateIndex
CREATE INDEX "TalkCall_startedAt_idx" ON "TalkCall"("startedAt");

-- CreateIndex
CREATE INDEX "TalkPresence_personId_idx" ON "TalkPresence"("personId");

-- CreateIndex
CREATE INDEX "TalkPresence_callId_idx" ON "TalkPresence"("callId");

-- CreateIndex
CREATE INDEX "TalkPresence_nodeId_idx" ON "TalkPresence"("nodeId");

-- AddForeignKey
ALTER TABLE "TalkOffer" ADD CONSTRAINT "TalkOffer_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "TalkRequest"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TalkOffer" ADD CONSTRAINT "TalkOffer_volunteerId_fkey" FOREIGN KEY ("volunteerId") REFERENCES "Person"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TalkCall" ADD CONSTRAINT "TalkCall_requestId_fkey" FOREIGN KEY ("requestId") REFERENCES "TalkRequest"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TalkCall" ADD CONSTRAINT "TalkCall_volunteerId_fkey" FOREIGN KEY ("volunteerId") REFERENCES "Person"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "OnCall" ADD CONSTRAINT "OnCall_personId_fkey" FOREIGN KEY ("personId") REFERENCES "Person"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written: one open request per requester (a double request is refused, races included).
CREATE UNIQUE INDEX "TalkRequest_open_per_requester_key" ON "TalkRequest"("requesterKey") WHERE "status" IN ('WAITING', 'OFFERED');

-- Hand-written: a request is offered to one volunteer at a time, and a volunteer holds one offer at a time.
CREATE UNIQUE INDEX "TalkOffer_pending_per_request_key" ON "TalkOffer"("requestId") WHERE "status" = 'PENDING';
CREATE UNIQUE INDEX "TalkOffer_pending_per_volunteer_key" ON "TalkOffer"("volunteerId") WHERE "status" = 'PENDING';

-- Hand-written: nobody is in two calls at once, volunteer or worker.
CREATE UNIQUE INDEX "TalkCall_active_per_volunteer_key" ON "TalkCall"("volunteerId") WHERE "status" = 'ACTIVE';
CREATE UNIQUE INDEX "TalkCall_active_per_worker_key" ON "TalkCall"("workerKey") WHERE "status" = 'ACTIVE';
