-- CreateSchema
CREATE SCHEMA IF NOT EXISTS "public";

-- CreateEnum
CREATE TYPE "Role" AS ENUM ('WORKER', 'VOLUNTEER', 'FACILITATOR', 'COORDINATOR');

-- CreateEnum
CREATE TYPE "PersonStatus" AS ENUM ('APPLIED', 'APPROVED', 'SUSPENDED');

-- CreateEnum
CREATE TYPE "RoomStyle" AS ENUM ('OPEN', 'HAND_RAISE');

-- CreateEnum
CREATE TYPE "OccurrenceStatus" AS ENUM ('SCHEDULED', 'CANCELLED');

-- CreateTable
CREATE TABLE "Person" (
    "id" UUID NOT NULL,
    "displayName" VARCHAR(80) NOT NULL,
    "email" VARCHAR(254),
    "roles" "Role"[],
    "status" "PersonStatus" NOT NULL DEFAULT 'APPLIED',
    "languages" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "experience" TEXT[] DEFAULT ARRAY[]::TEXT[],
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "Person_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DropInSeries" (
    "id" UUID NOT NULL,
    "title" VARCHAR(120) NOT NULL,
    "theme" VARCHAR(60) NOT NULL,
    "description" VARCHAR(2000) NOT NULL,
    "language" VARCHAR(16) NOT NULL DEFAULT 'en',
    "capacity" INTEGER NOT NULL,
    "roomStyle" "RoomStyle" NOT NULL DEFAULT 'OPEN',
    "durationMinutes" INTEGER NOT NULL,
    "rrule" VARCHAR(500) NOT NULL,
    "startsOnLocal" VARCHAR(19) NOT NULL,
    "timeZone" VARCHAR(64) NOT NULL DEFAULT 'Europe/London',
    "facilitatorId" UUID NOT NULL,
    "backupFacilitatorId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "DropInSeries_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "DropInOccurrence" (
    "id" UUID NOT NULL,
    "seriesId" UUID NOT NULL,
    "originalStart" TIMESTAMPTZ(3) NOT NULL,
    "startsAt" TIMESTAMPTZ(3) NOT NULL,
    "endsAt" TIMESTAMPTZ(3) NOT NULL,
    "status" "OccurrenceStatus" NOT NULL DEFAULT 'SCHEDULED',
    "facilitatorId" UUID,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "DropInOccurrence_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "AttendanceIntent" (
    "occurrenceId" UUID NOT NULL,
    "browserKey" VARCHAR(64) NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "AttendanceIntent_pkey" PRIMARY KEY ("occurrenceId","browserKey")
);

-- CreateTable
CREATE TABLE "WorkPattern" (
    "id" UUID NOT NULL,
    "personId" UUID NOT NULL,
    "label" VARCHAR(60) NOT NULL,
    "recurrence" VARCHAR(2000) NOT NULL,
    "startsOnLocal" VARCHAR(19) NOT NULL,
    "durationMinutes" INTEGER NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "WorkPattern_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RotaTemplate" (
    "id" UUID NOT NULL,
    "name" VARCHAR(80) NOT NULL,
    "rrule" VARCHAR(500) NOT NULL,
    "startsOnLocal" VARCHAR(19) NOT NULL,
    "timeZone" VARCHAR(64) NOT NULL DEFAULT 'Europe/London',
    "durationMinutes" INTEGER NOT NULL,
    "minVolunteers" INTEGER NOT NULL DEFAULT 1,
    "maxVolunteers" INTEGER NOT NULL DEFAULT 2,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RotaTemplate_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RotaSlot" (
    "id" UUID NOT NULL,
    "templateId" UUID NOT NULL,
    "startsAt" TIMESTAMPTZ(3) NOT NULL,
    "endsAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "RotaSlot_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "RotaAssignment" (
    "slotId" UUID NOT NULL,
    "personId" UUID NOT NULL,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "RotaAssignment_pkey" PRIMARY KEY ("slotId","personId")
);

-- CreateTable
CREATE TABLE "AppMeta" (
    "key" VARCHAR(64) NOT NULL,
    "value" VARCHAR(2000) NOT NULL,
    "updatedAt" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "AppMeta_pkey" PRIMARY KEY ("key")
);

-- CreateTable
CREATE TABLE "socket_io_attachments" (
    "id" BIGSERIAL NOT NULL,
    "created_at" TIMESTAMPTZ(6) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "payload" BYTEA
);

-- CreateIndex
CREATE UNIQUE INDEX "Person_email_key" ON "Person"("email");

-- CreateIndex
CREATE INDEX "DropInOccurrence_startsAt_idx" ON "DropInOccurrence"("startsAt");

-- CreateIndex
CREATE UNIQUE INDEX "DropInOccurrence_seriesId_originalStart_key" ON "DropInOccurrence"("seriesId", "originalStart");

-- CreateIndex
CREATE INDEX "RotaSlot_startsAt_idx" ON "RotaSlot"("startsAt");

-- CreateIndex
CREATE UNIQUE INDEX "RotaSlot_templateId_startsAt_key" ON "RotaSlot"("templateId", "startsAt");

-- CreateIndex
CREATE UNIQUE INDEX "socket_io_attachments_id_key" ON "socket_io_attachments"("id");

-- AddForeignKey
ALTER TABLE "DropInSeries" ADD CONSTRAINT "DropInSeries_facilitatorId_fkey" FOREIGN KEY ("facilitatorId") REFERENCES "Person"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DropInSeries" ADD CONSTRAINT "DropInSeries_backupFacilitatorId_fkey" FOREIGN KEY ("backupFacilitatorId") REFERENCES "Person"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DropInOccurrence" ADD CONSTRAINT "DropInOccurrence_seriesId_fkey" FOREIGN KEY ("seriesId") REFERENCES "DropInSeries"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "DropInOccurrence" ADD CONSTRAINT "DropInOccurrence_facilitatorId_fkey" FOREIGN KEY ("facilitatorId") REFERENCES "Person"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "AttendanceIntent" ADD CONSTRAINT "AttendanceIntent_occurrenceId_fkey" FOREIGN KEY ("occurrenceId") REFERENCES "DropInOccurrence"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "WorkPattern" ADD CONSTRAINT "WorkPattern_personId_fkey" FOREIGN KEY ("personId") REFERENCES "Person"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RotaSlot" ADD CONSTRAINT "RotaSlot_templateId_fkey" FOREIGN KEY ("templateId") REFERENCES "RotaTemplate"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RotaAssignment" ADD CONSTRAINT "RotaAssignment_slotId_fkey" FOREIGN KEY ("slotId") REFERENCES "RotaSlot"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "RotaAssignment" ADD CONSTRAINT "RotaAssignment_personId_fkey" FOREIGN KEY ("personId") REFERENCES "Person"("id") ON DELETE CASCADE ON UPDATE CASCADE;

