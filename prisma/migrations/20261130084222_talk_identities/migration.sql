-- The 1:1 line kept socket channel names ("guest:<id>" / "person:<id>") as who asked, who is
-- in a call and whose page waits. They become plain identity columns: a guest id or a person
-- id, never both, and neither once the worker was erased (the row stays for the line
-- anonymous totals and links back to nobody). Existing rows are converted, never dropped:
-- a key naming a guest or person that still exists keeps them, while an erased key ("gone:" and a random id) or
-- one whose guest or person no longer exists becomes "nobody", as erasure would leave it.

-- New columns first, filled from the old keys: the old keys go last.
ALTER TABLE "TalkRequest" ADD COLUMN "requesterGuestId" UUID,
ADD COLUMN "requesterPersonId" UUID;

ALTER TABLE "TalkCall" ADD COLUMN "workerGuestId" UUID,
ADD COLUMN "workerPersonId" UUID;

ALTER TABLE "TalkPresence" ADD COLUMN "requesterGuestId" UUID,
ADD COLUMN "requesterPersonId" UUID;

-- Compared as text, so a key that is not a well-formed id matches nobody instead of failing the cast.
UPDATE "TalkRequest" r SET "requesterPersonId" = p."id"
FROM "Person" p WHERE r."requesterKey" LIKE 'person:%' AND p."id"::text = substr(r."requesterKey", 8);
UPDATE "TalkRequest" r SET "requesterGuestId" = g."id"
FROM "Guest" g WHERE r."requesterKey" LIKE 'guest:%' AND g."id"::text = substr(r."requesterKey", 7);

UPDATE "TalkCall" c SET "workerPersonId" = p."id"
FROM "Person" p WHERE c."workerKey" LIKE 'person:%' AND p."id"::text = substr(c."workerKey", 8);
UPDATE "TalkCall" c SET "workerGuestId" = g."id"
FROM "Guest" g WHERE c."workerKey" LIKE 'guest:%' AND g."id"::text = substr(c."workerKey", 7);

-- Presence rows are heartbeats (no foreign key): any well-formed id is kept as it is.
UPDATE "TalkPresence" SET "requesterPersonId" = substr("requesterKey", 8)::uuid
WHERE "requesterKey" ~ '^person:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
UPDATE "TalkPresence" SET "requesterGuestId" = substr("requesterKey", 7)::uuid
WHERE "requesterKey" ~ '^guest:[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';

-- A waiting page whose worker cannot be named is a heartbeat of nobody: it goes (its node would drop it
-- within the grace anyway). Only waiting pages name a worker.
DELETE FROM "TalkPresence" WHERE "kind" = 'waiting' AND "requesterGuestId" IS NULL AND "requesterPersonId" IS NULL;
UPDATE "TalkPresence" SET "requesterGuestId" = NULL, "requesterPersonId" = NULL WHERE "kind" <> 'waiting';

-- A concern flagged after a call was about the call worker, whose key it copied: the call says
-- who that is now (and erasure clears it there). Drop-in flags keep their member alias (a hash).
UPDATE "SafeguardingFlag" SET "subjectKey" = NULL
WHERE "callId" IS NOT NULL AND ("subjectKey" LIKE 'guest:%' OR "subjectKey" LIKE 'person:%' OR "subjectKey" LIKE 'gone:%');

-- DropIndex (the partial unique indexes on the old keys go with their columns)
DROP INDEX "TalkPresence_requesterKey_idx";

ALTER TABLE "TalkRequest" DROP COLUMN "requesterKey";
ALTER TABLE "TalkCall" DROP COLUMN "workerKey";
ALTER TABLE "TalkPresence" DROP COLUMN "requesterKey";

-- One identity at most: a guest or a person (none once erased).
ALTER TABLE "TalkRequest" ADD CONSTRAINT "TalkRequest_one_requester"
  CHECK (num_nonnulls("requesterGuestId", "requesterPersonId") <= 1);
ALTER TABLE "TalkCall" ADD CONSTRAINT "TalkCall_one_worker"
  CHECK (num_nonnulls("workerGuestId", "workerPersonId") <= 1);
-- A waiting page always names its worker: the other kinds name none.
ALTER TABLE "TalkPresence" ADD CONSTRAINT "TalkPresence_waiting_names_one_worker"
  CHECK (num_nonnulls("requesterGuestId", "requesterPersonId") = CASE WHEN "kind" = 'waiting' THEN 1 ELSE 0 END);

-- At most one open request and one active call per worker, as before (now per id column).
CREATE UNIQUE INDEX "TalkRequest_open_per_requester_person" ON "TalkRequest"("requesterPersonId") WHERE "status" IN ('WAITING', 'OFFERED');
CREATE UNIQUE INDEX "TalkRequest_open_per_requester_guest" ON "TalkRequest"("requesterGuestId") WHERE "status" IN ('WAITING', 'OFFERED');
CREATE UNIQUE INDEX "TalkCall_active_per_worker_person" ON "TalkCall"("workerPersonId") WHERE "status" = 'ACTIVE';
CREATE UNIQUE INDEX "TalkCall_active_per_worker_guest" ON "TalkCall"("workerGuestId") WHERE "status" = 'ACTIVE';

-- CreateIndex
CREATE INDEX "TalkRequest_requesterPersonId_idx" ON "TalkRequest"("requesterPersonId");

-- CreateIndex
CREATE INDEX "TalkRequest_requesterGuestId_idx" ON "TalkRequest"("requesterGuestId");

-- CreateIndex
CREATE INDEX "TalkCall_workerPersonId_idx" ON "TalkCall"("workerPersonId");

-- CreateIndex
CREATE INDEX "TalkCall_workerGuestId_idx" ON "TalkCall"("workerGuestId");

-- CreateIndex
CREATE INDEX "TalkPresence_requesterPersonId_idx" ON "TalkPresence"("requesterPersonId");

-- CreateIndex
CREATE INDEX "TalkPresence_requesterGuestId_idx" ON "TalkPresence"("requesterGuestId");

-- AddForeignKey
ALTER TABLE "TalkRequest" ADD CONSTRAINT "TalkRequest_requesterPersonId_fkey" FOREIGN KEY ("requesterPersonId") REFERENCES "Person"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TalkRequest" ADD CONSTRAINT "TalkRequest_requesterGuestId_fkey" FOREIGN KEY ("requesterGuestId") REFERENCES "Guest"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TalkCall" ADD CONSTRAINT "TalkCall_workerPersonId_fkey" FOREIGN KEY ("workerPersonId") REFERENCES "Person"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "TalkCall" ADD CONSTRAINT "TalkCall_workerGuestId_fkey" FOREIGN KEY ("workerGuestId") REFERENCES "Guest"("id") ON DELETE SET NULL ON UPDATE CASCADE;
