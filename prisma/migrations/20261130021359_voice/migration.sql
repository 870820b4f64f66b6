-- CreateTable
CREATE TABLE "VoiceTheme" (
    "id" UUID NOT NULL,
    "label" VARCHAR(60) NOT NULL,
    "key" VARCHAR(60) NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT true,
    "position" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "VoiceTheme_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VoiceSessionReport" (
    "id" UUID NOT NULL,
    "occurrenceId" UUID,
    "callId" UUID,
    "month" CHAR(7) NOT NULL,
    "region" VARCHAR(4),
    "facilitatorId" UUID NOT NULL,

    CONSTRAINT "VoiceSessionReport_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VoiceThemeTick" (
    "reportId" UUID NOT NULL,
    "themeId" UUID NOT NULL,

    CONSTRAINT "VoiceThemeTick_pkey" PRIMARY KEY ("reportId","themeId")
);

-- CreateTable
CREATE TABLE "VoiceWord" (
    "id" UUID NOT NULL,
    "month" CHAR(7) NOT NULL,
    "text" VARCHAR(280) NOT NULL,
    "archived" BOOLEAN NOT NULL DEFAULT false,

    CONSTRAINT "VoiceWord_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "VoiceStatement" (
    "id" UUID NOT NULL,
    "text" VARCHAR(400) NOT NULL,
    "month" CHAR(7) NOT NULL,
    "publishedAt" TIMESTAMPTZ(3) NOT NULL,
    "publishedById" UUID NOT NULL,
    "withdrawnAt" TIMESTAMPTZ(3),

    CONSTRAINT "VoiceStatement_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "VoiceTheme_key_key" ON "VoiceTheme"("key");

-- CreateIndex
CREATE UNIQUE INDEX "VoiceSessionReport_occurrenceId_key" ON "VoiceSessionReport"("occurrenceId");

-- CreateIndex
CREATE UNIQUE INDEX "VoiceSessionReport_callId_key" ON "VoiceSessionReport"("callId");

-- CreateIndex
CREATE INDEX "VoiceSessionReport_month_idx" ON "VoiceSessionReport"("month");

-- CreateIndex
CREATE INDEX "VoiceThemeTick_themeId_idx" ON "VoiceThemeTick"("themeId");

-- CreateIndex
CREATE INDEX "VoiceStatement_publishedAt_idx" ON "VoiceStatement"("publishedAt");

-- AddForeignKey
ALTER TABLE "VoiceSessionReport" ADD CONSTRAINT "VoiceSessionReport_facilitatorId_fkey" FOREIGN KEY ("facilitatorId") REFERENCES "Person"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VoiceThemeTick" ADD CONSTRAINT "VoiceThemeTick_reportId_fkey" FOREIGN KEY ("reportId") REFERENCES "VoiceSessionReport"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VoiceThemeTick" ADD CONSTRAINT "VoiceThemeTick_themeId_fkey" FOREIGN KEY ("themeId") REFERENCES "VoiceTheme"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "VoiceStatement" ADD CONSTRAINT "VoiceStatement_publishedById_fkey" FOREIGN KEY ("publishedById") REFERENCES "Person"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Hand-written: a report is about exactly one session, a drop-in or a call.
ALTER TABLE "VoiceSessionReport" ADD CONSTRAINT "VoiceSessionReport_one_session"
  CHECK (("occurrenceId" IS NULL) <> ("callId" IS NULL));
ALTER TABLE "VoiceSessionReport" ADD CONSTRAINT "VoiceSessionReport_month_format"
  CHECK ("month" ~ '^[0-9]{4}-(0[1-9]|1[0-2])$');
ALTER TABLE "VoiceWord" ADD CONSTRAINT "VoiceWord_month_format"
  CHECK ("month" ~ '^[0-9]{4}-(0[1-9]|1[0-2])$');

-- Hand-written: the themes workers raise most, so every installation starts with the list
-- (core SEED_THEMES), which coordinators change from there.
INSERT INTO "VoiceTheme" ("id", "label", "key", "position") VALUES
  (gen_random_uuid(), 'Unpaid travel time', 'unpaid travel time', 1),
  (gen_random_uuid(), 'Rota changes at short notice', 'rota changes at short notice', 2),
  (gen_random_uuid(), 'Zero-hours insecurity', 'zero-hours insecurity', 3),
  (gen_random_uuid(), 'Lone working at night', 'lone working at night', 4),
  (gen_random_uuid(), 'Violence or abuse from clients or families', 'violence or abuse from clients or families', 5),
  (gen_random_uuid(), 'Bereavement', 'bereavement', 6),
  (gen_random_uuid(), 'Moving and handling without a second carer', 'moving and handling without a second carer', 7),
  (gen_random_uuid(), 'Visa and sponsorship worries', 'visa and sponsorship worries', 8),
  (gen_random_uuid(), 'Training', 'training', 9),
  (gen_random_uuid(), 'Pay', 'pay', 10),
  (gen_random_uuid(), 'Wanting to leave the sector', 'wanting to leave the sector', 11),
  (gen_random_uuid(), 'What helped', 'what helped', 12);
