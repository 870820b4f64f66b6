import PDFDocument from "pdfkit";
import type { ReportQuarter, Thresholds } from "@offshift/core";

/**
 * The quarterly report as a PDF (pdfkit, with its built-in Helvetica: no font files to ship).
 * Built from the same ReportQuarter figures as the page and the CSV, so the numbers agree.
 */
export function voiceReportPdf(input: {
  quarters: readonly ReportQuarter[];
  thresholds: Thresholds;
  method: readonly string[];
  statements: readonly { text: string; month: string }[];
  generatedOn: string;
}): Promise<Buffer> {
  const doc = new PDFDocument({
    size: "A4",
    margin: 50,
    info: { Title: "What homecare workers are telling us", Author: "Offshift" },
    // Reproducible bytes for the same figures: no creation time in the file.
    pdfVersion: "1.7",
  });
  const chunks: Buffer[] = [];
  doc.on("data", (c: Buffer) => chunks.push(c));
  const done = new Promise<Buffer>((resolve) => doc.on("end", () => resolve(Buffer.concat(chunks))));
  const width = doc.page.width - 100;
  const hidden = `fewer than ${input.thresholds.minSessions} sessions or ${input.thresholds.minFacilitators} facilitators`;

  doc.font("Helvetica-Bold").fontSize(20).text("What homecare workers are telling us");
  doc.font("Helvetica").fontSize(10).fillColor("#444").text(`Offshift quarterly report, ${input.generatedOn}`);
  doc.moveDown();

  if (input.quarters.length === 0) {
    doc.fillColor("black").fontSize(12).text("Nothing to show yet: no quarter has enough sessions behind it.");
  }
  for (const q of input.quarters) {
    doc.fillColor("black").font("Helvetica-Bold").fontSize(15).text(q.label);
    doc
      .font("Helvetica")
      .fontSize(11)
      .text(
        q.sessions === null
          ? `Sessions with themes recorded: not shown (${hidden}).`
          : `Sessions with themes recorded: ${q.sessions}`,
      );
    doc.moveDown(0.5);
    const shown = q.themes.filter((t) => t.total !== null);
    const max = Math.max(1, ...shown.map((t) => t.total ?? 0));
    for (const t of shown) {
      if (doc.y > doc.page.height - 120) doc.addPage();
      doc.font("Helvetica-Bold").fontSize(11).fillColor("black").text(`${t.label}: ${t.total} sessions`);
      const y = doc.y + 2;
      doc.rect(50, y, (width * (t.total ?? 0)) / max, 8).fill("#2b59c3");
      doc.fillColor("black").font("Helvetica").fontSize(9);
      doc.text(`By month: ${t.byMonth.map((f) => `${f.label}: ${f.sessions}`).join("; ")}`, 50, y + 12, { width });
      doc.text(`By region: ${t.byRegion.map((f) => `${f.label}: ${f.sessions}`).join("; ")}`, { width });
      doc.moveDown(0.6);
    }
    const notShown = q.themes.filter((t) => t.total === null);
    if (notShown.length > 0)
      doc
        .fontSize(9)
        .fillColor("#444")
        .text(`Not shown for this quarter (${hidden}): ${notShown.map((t) => t.label).join(", ")}.`, { width });
    doc.moveDown();
  }

  if (input.statements.length > 0) {
    doc.fillColor("black").font("Helvetica-Bold").fontSize(15).text("What workers told us, in our words");
    doc.font("Helvetica").fontSize(11);
    for (const s of input.statements) doc.text(`${s.text} (${s.month})`, { width }).moveDown(0.3);
    doc.moveDown();
  }

  doc.fillColor("black").font("Helvetica-Bold").fontSize(15).text("How we count, and what we never publish");
  doc.font("Helvetica").fontSize(10);
  for (const p of input.method) doc.text(p, { width }).moveDown(0.4);
  doc.end();
  return done;
}
