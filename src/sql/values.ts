/**
 * How SQLite values travel in a SQL console answer: JSON has no 64-bit
 * integers, no infinities and no bytes.
 * - an integer within ±2^53 is a number, a larger one its decimal text;
 * - ±Infinity (SQLite stores `1e999`) is the text "Infinity"/"-Infinity";
 * - a BLOB is `{"$bytes": length}`: its contents are not sent (a table of file
 *   contents would otherwise travel whole); `hex(col)` shows them.
 */
export type CellValue = string | number | null | { $bytes: number };

export function renderValue(value: unknown): CellValue {
  if (value === null || value === undefined) return null;
  if (typeof value === "bigint") {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER)
      ? Number(value)
      : value.toString();
  }
  if (typeof value === "number") return Number.isFinite(value) ? value : String(value);
  if (typeof value === "string") return value;
  if (value instanceof Uint8Array) return { $bytes: value.byteLength };
  if (typeof value === "boolean") return value ? 1 : 0;
  return String(value);
}

export const renderRow = (row: readonly unknown[]): CellValue[] => row.map(renderValue);
