-- CreateTable
CREATE TABLE "LiveRoom" (
    "occurrenceId" UUID NOT NULL,
    "state" JSONB NOT NULL,
    "version" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "LiveRoom_pkey" PRIMARY KEY ("occurrenceId")
);

-- CreateTable
CREATE TABLE "RoomPresence" (
    "socketId" VARCHAR(64) NOT NULL,
    "occurrenceId" UUID NOT NULL,
    "memberId" VARCHAR(64) NOT NULL,
    "nodeId" VARCHAR(64) NOT NULL,
    "heartbeatAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "RoomPresence_pkey" PRIMARY KEY ("socketId")
);

-- CreateTable
CREATE TABLE "RoomChatLine" (
    "occurrenceId" UUID NOT NULL,
    "seq" INTEGER NOT NULL,
    "memberId" VARCHAR(64) NOT NULL,
    "name" VARCHAR(40) NOT NULL,
    "text" VARCHAR(500) NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "RoomChatLine_pkey" PRIMARY KEY ("occurrenceId","seq")
);

-- CreateTable
CREATE TABLE "SafeguardingFlag" (
    "id" UUID NOT NULL,
    "occurrenceId" UUID,
    "byPersonId" UUID NOT NULL,
    "category" VARCHAR(40) NOT NULL,
    "subjectKey" VARCHAR(64),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "reviewedAt" TIMESTAMPTZ(3),
    "reviewedById" UUID,

    CONSTRAINT "SafeguardingFlag_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "RoomPresence_occurrenceId_memberId_idx" ON "RoomPresence"("occurrenceId", "memberId");

-- CreateIndex
CREATE INDEX "RoomPresence_heartbeatAt_idx" ON "RoomPresence"("heartbeatAt");

-- CreateIndex
CREATE INDEX "SafeguardingFlag_createdAt_idx" ON "SafeguardingFlag"("createdAt");

-- AddForeignKey
ALTER TABLE "LiveRoom" ADD CONSTRAINT "LiveRoom_occurrenceId_fkey" FOREIGN KEY ("occurrenceId") REFERENCES "DropInOccurrence"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RoomPresence" ADD CONSTRAINT "RoomPresence_occurrenceId_fkey" FOREIGN KEY ("occurrenceId") REFERENCES "LiveRoom"("occurrenceId") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RoomChatLine" ADD CONSTRAINT "RoomChatLine_occurrenceId_fkey" FOREIGN KEY ("occurrenceId") REFERENCES "LiveRoom"("occurrenceId") ON DELETE CASCADE ON UPDATE CASCADE;
