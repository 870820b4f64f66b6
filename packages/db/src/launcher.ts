/**
 * The launcher moved to `@offshift/launcher`; this entry (`@offshift/db/launcher`)
 * re-exports it until its last importers in apps/realtime move over. New code
 * imports `@offshift/launcher`.
 */
export * from "@offshift/launcher";
