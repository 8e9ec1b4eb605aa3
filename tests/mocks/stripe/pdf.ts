/**
 * The invoice PDF behind `invoice_pdf`: a real one-page (or longer) PDF made with pdf-lib: seller, bill-to with tax
 * ids, number and dates, lines with their periods, subtotal, discounts, tax per rate, total, amount due or paid.
 */
import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from "pdf-lib";
import type { Ctx } from "./context";
import { formatAmount, formatDate } from "./money";
import type { InvoiceRec } from "./store";

/** Helvetica speaks WinAnsi: anything it cannot encode becomes "?". */
function safe(font: PDFFont, text: string): string {
  try {
    font.encodeText(text);
    return text;
  } catch {
    return [...text]
      .map((ch) => {
        try {
          font.encodeText(ch);
          return ch;
        } catch {
          return "?";
        }
      })
      .join("");
  }
}

export async function renderInvoicePdf(ctx: Ctx, inv: InvoiceRec): Promise<Uint8Array> {
  const doc = await PDFDocument.create();
  doc.setTitle(`Invoice ${inv.number ?? inv.id}`);
  doc.setAuthor(ctx.account.name);
  doc.setSubject(inv.id);
  doc.setProducer("Fluxor Stripe stand-in (pdf-lib)");
  doc.setCreationDate(new Date((inv.finalizedAt ?? inv.created) * 1000));
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const grey = rgb(0.41, 0.45, 0.53);
  let page: PDFPage = doc.addPage([595.28, 841.89]);
  let y = 790;
  const left = 50;
  const right = 545;
  const text = (
    value: string,
    x: number,
    opts: { size?: number; font?: PDFFont; color?: ReturnType<typeof rgb>; alignRight?: boolean } = {},
  ) => {
    const font = opts.font ?? regular;
    const size = opts.size ?? 10;
    const clean = safe(font, value);
    const width = font.widthOfTextAtSize(clean, size);
    page.drawText(clean, { x: opts.alignRight ? x - width : x, y, size, font, color: opts.color ?? rgb(0.1, 0.12, 0.21) });
  };
  const line = (gap = 14) => {
    y -= gap;
    if (y < 60) {
      page = doc.addPage([595.28, 841.89]);
      y = 790;
    }
  };
  const money = (amount: number) => formatAmount(amount, inv.currency);

  text("Invoice", left, { size: 22, font: bold });
  text(ctx.account.name, right, { size: 12, font: bold, alignRight: true });
  line(26);
  text(`Invoice number  ${inv.number ?? "DRAFT"}`, left);
  text(ctx.account.email, right, { alignRight: true, color: grey });
  line();
  text(`Date of issue  ${formatDate(inv.finalizedAt ?? inv.created)}`, left);
  text(`Country: ${ctx.account.country}`, right, { alignRight: true, color: grey });
  line();
  text(`Status  ${inv.status}`, left);
  line(28);
  text("Bill to", left, { font: bold });
  line();
  for (const value of [
    inv.customerName,
    inv.customerEmail,
    [inv.customerAddress?.line1, inv.customerAddress?.city, inv.customerAddress?.postal_code, inv.customerAddress?.country]
      .filter(Boolean)
      .join(", "),
    ...inv.customerTaxIds.map((t) => `${t.type.toUpperCase().replace("_", " ")} ${t.value}`),
  ]) {
    if (!value) continue;
    text(value, left);
    line();
  }
  line(14);
  text(
    inv.status === "paid" ? `${money(inv.amountPaid)} paid ${formatDate(inv.paidAt ?? inv.created)}` : `${money(inv.amountRemaining)} due`,
    left,
    { size: 16, font: bold },
  );
  line(30);
  text("Description", left, { font: bold, color: grey });
  text("Qty", 400, { font: bold, color: grey, alignRight: true });
  text("Amount", right, { font: bold, color: grey, alignRight: true });
  line(6);
  page.drawLine({ start: { x: left, y }, end: { x: right, y }, thickness: 0.5, color: grey });
  line(14);
  for (const l of inv.lines) {
    const description = l.description.length > 70 ? `${l.description.slice(0, 67)}...` : l.description;
    text(description, left);
    text(String(l.quantity ?? ""), 400, { alignRight: true });
    text(money(l.amount), right, { alignRight: true });
    line(12);
    text(`${formatDate(l.periodStart)} - ${formatDate(l.periodEnd)}`, left, { size: 8, color: grey });
    line(16);
  }
  page.drawLine({ start: { x: 300, y: y + 6 }, end: { x: right, y: y + 6 }, thickness: 0.5, color: grey });
  const total = (label: string, amount: string, strong = false) => {
    text(label, 300, { font: strong ? bold : regular });
    text(amount, right, { alignRight: true, font: strong ? bold : regular });
    line();
  };
  total("Subtotal", money(inv.subtotal));
  for (const d of inv.totalDiscounts) {
    const discount = ctx.store.discounts.find(d.discount);
    const coupon = discount ? ctx.store.coupons.find(discount.coupon) : undefined;
    const what = coupon
      ? coupon.percentOff !== null
        ? `${coupon.name ?? coupon.id} (${coupon.percentOff}% off)`
        : `${coupon.name ?? coupon.id}`
      : "Discount";
    total(what, `-${money(d.amount)}`);
  }
  for (const t of inv.totalTaxes) {
    const rate = t.taxRate ? ctx.store.taxRates.find(t.taxRate) : undefined;
    const label = rate
      ? `${rate.displayName} - ${rate.country} (${rate.percentage}% on ${money(t.taxableAmount)})`
      : t.reason === "reverse_charge"
        ? "Tax (reverse charge)"
        : "Tax";
    total(label, money(t.amount));
  }
  total("Total", money(inv.total), true);
  if (inv.startingBalance !== 0) total("Applied balance", money(inv.startingBalance));
  total("Amount due", money(inv.amountDue), true);
  if (inv.totalTaxes.some((t) => t.reason === "reverse_charge")) {
    line(10);
    text("Reverse charge: the customer accounts for VAT.", left, { size: 9, color: grey });
  }
  page.drawText(safe(regular, `Test mode - ${inv.id}`), { x: left, y: 30, size: 8, font: regular, color: grey });
  return doc.save();
}
