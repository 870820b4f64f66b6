-- AlterTable (hand-edited: existing occurrences copy their series' details,
-- and take the series lead as their facilitator, before the columns become NOT NULL)
ALTER TABLE "DropInOccurrence" ADD COLUMN     "backupAlertedAt" TIMESTAMPTZ(3),
ADD COLUMN     "capacity" INTEGER,
ADD COLUMN     "description" VARCHAR(2000),
ADD COLUMN     "language" VARCHAR(16) NOT NULL DEFAULT 'en',
ADD COLUMN     "openedAt" TIMESTAMPTZ(3),
ADD COLUMN     "openedById" UUID,
ADD COLUMN     "roomStyle" "RoomStyle" NOT NULL DEFAULT 'OPEN',
ADD COLUMN     "theme" VARCHAR(60),
ADD COLUMN     "title" VARCHAR(120);

UPDATE "DropInOccurrence" o
SET "title" = s."title", "theme" = s."theme", "description" = s."description", "language" = s."language",
    "capacity" = s."capacity", "roomStyle" = s."roomStyle", "facilitatorId" = COALESCE(o."facilitatorId", s."facilitatorId")
FROM "DropInSeries" s
WHERE s."id" = o."seriesId";

ALTER TABLE "DropInOccurrence" ALTER COLUMN "capacity" SET NOT NULL,
ALTER COLUMN "description" SET NOT NULL,
ALTER COLUMN "theme" SET NOT NULL,
ALTER COLUMN "title" SET NOT NULL;

-- CreateTable
CREATE TABLE "ReminderRequest" (
    "id" UUID NOT NULL,
    "personId" UUID NOT NULL,
    "seriesId" UUID NOT NULL,
    "occurrenceId" UUID,
    "leadMinutes" INTEGER NOT NULL DEFAULT 30,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "ReminderRequest_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "OutboxMail" (
    "id" UUID NOT NULL,
    "dedupeKey" VARCHAR(200) NOT NULL,
    "to" VARCHAR(254) NOT NULL,
    "subject" VARCHAR(200) NOT NULL,
    "text" VARCHAR(10000) NOT NULL,
    "notBefore" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expiresAt" TIMESTAMPTZ(3),
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "lastError" VARCHAR(500),
    "sentAt" TIMESTAMPTZ(3),
    "droppedAt" TIMESTAMPTZ(3),
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "OutboxMail_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "ReminderRequest_seriesId_idx" ON "ReminderRequest"("seriesId");

-- CreateIndex
CREATE INDEX "ReminderRequest_occurrenceId_idx" ON "ReminderRequest"("occurrenceId");

-- CreateIndex
CREATE UNIQUE INDEX "OutboxMail_dedupeKey_key" ON "OutboxMail"("dedupeKey");

-- CreateIndex
CREATE INDEX "OutboxMail_sentAt_droppedAt_notBefore_idx" ON "OutboxMail"("sentAt", "droppedAt", "notBefore");

-- AddForeignKey
ALTER TABLE "ReminderRequest" ADD CONSTRAINT "ReminderRequest_personId_fkey" FOREIGN KEY ("personId") REFERENCES "Person"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReminderRequest" ADD CONSTRAINT "ReminderRequest_seriesId_fkey" FOREIGN KEY ("seriesId") REFERENCES "DropInSeries"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "ReminderRequest" ADD CONSTRAINT "ReminderRequest_occurrenceId_fkey" FOREIGN KEY ("occurrenceId") REFERENCES "DropInOccurrence"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Hand-written: one "every session" request per person and series, and one
-- request per person and occurrence (Prisma cannot express partial indexes).
CREATE UNIQUE INDEX "ReminderRequest_series_wide_key" ON "ReminderRequest"("personId", "seriesId") WHERE "occurrenceId" IS NULL;
CREATE UNIQUE INDEX "ReminderRequest_occurrence_key" ON "ReminderRequest"("personId", "occurrenceId") WHERE "occurrenceId" IS NOT NULL;

-- Hand-written: the room-open check looks for scheduled, unopened sessions that have started.
CREATE INDEX "DropInOccurrence_unopened_idx" ON "DropInOccurrence"("startsAt") WHERE "openedAt" IS NULL AND "backupAlertedAt" IS NULL AND "status" = 'SCHEDULED';
