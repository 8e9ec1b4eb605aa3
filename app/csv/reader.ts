/**
 * The one CSV record reader (RFC 4180 quoting, one record per line) and its error, which names the line: used by the
 * CLI's demand and signal files (app/cli/csv.ts) and the merchant's competitor price upload (app/signals/competitor-csv.ts).
 */

export class CsvError extends Error {
  override name = "CsvError";
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(line > 0 ? `line ${line}: ${message}` : message);
  }
}

/** Split one CSV record (RFC 4180 quoting, no embedded newlines). */
export function splitCsvLine(line: string, lineNo: number): string[] {
  const out: string[] = [];
  let i = 0;
  while (i <= line.length) {
    if (line[i] === '"') {
      let v = "";
      i++;
      for (;;) {
        if (i >= line.length) throw new CsvError("unterminated quoted field", lineNo);
        if (line[i] === '"') {
          if (line[i + 1] === '"') {
            v += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += line[i];
        i++;
      }
      if (i < line.length && line[i] !== ",") throw new CsvError("unexpected character after a quoted field", lineNo);
      out.push(v);
      i++;
    } else {
      const j = line.indexOf(",", i);
      const end = j < 0 ? line.length : j;
      out.push(line.slice(i, end));
      i = end + 1;
    }
  }
  return out;
}
